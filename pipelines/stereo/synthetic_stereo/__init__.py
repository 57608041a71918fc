"""TFDS builder package (TFDS needs the builder module inside its own package folder)."""
from pipelines.stereo.synthetic_stereo.synthetic_stereo import SyntheticStereo, StereoBuilderConfig

__all__ = ["SyntheticStereo", "StereoBuilderConfig"]
