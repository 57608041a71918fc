"""What a model family is, declared once, beside its config schema.

Each `configs/families/NAME.py` holds the family's config dataclass and one `SPEC`: its
name, the optional install (`pip install -e '.[extra]'`) with the modules that install
brings, and the module holding its implementation (`FAMILY`, see tfmodels/families.py).
The registry is the folder (`configs.families.all_specs`), so a new family is one file
here, its pipeline and model packages, and one setup.cfg extra (docs/new_family.md).
The spec is plain data: checking an install finds modules without importing them, so a
missing extra costs one line naming the pip command, before any heavy import.
"""
from __future__ import annotations

import dataclasses

from tflab.errors import UserError
from tflab.extras import missing_modules


@dataclasses.dataclass(frozen=True)
class FamilySpec:
    name: str                       # what a config's `family` field says
    implementation: str             # module with `FAMILY` (train, load_data, ...)
    extra: str = ""                 # setup.cfg extra; "" = the core install
    modules: tuple[str, ...] = ()   # what that extra installs (checked, never imported)
    question: str = ""              # the question the family answers, for listings
    cli: str = "tfmodels.fit"       # the command that trains one config of the family
    # shortcut flags of that command: (field, metavar, help); --FIELD V = --set FIELD=V
    cli_aliases: tuple[tuple[str, str, str], ...] = ()

    def require(self) -> None:
        """Raise a one-line `UserError` naming the extra to install if a module is missing."""
        missing = missing_modules(self.modules)
        if missing:
            raise UserError(f"the {self.name} family needs {', '.join(missing)}, which is not "
                            f"installed; run pip install -e '.[{self.extra}]' in the tflab "
                            f"checkout")
