"""The recipe's callbacks fire: plateau cuts lr, early stopping restores the best weights,
the warning signs print."""
import keras
import numpy as np

from configs.stereo_finetune import get_config as finetune_config
from tfmodels.stereo.recipe import (ExplainedEarlyStopping, LoggedReduceLROnPlateau,
                                    WarningSigns, make_optimizer, recipe_callbacks)


def compiled_model(lr=5e-5):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=make_optimizer(lr, 1e-5, 1.0), loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def test_finetune_defaults_are_the_notes_recipe(tmp_path):
    config = finetune_config()
    assert (config.learning_rate, config.weight_decay, config.clipnorm, config.dropout_p) == (
        5e-5, 1e-5, 1.0, 0.2)
    callbacks = recipe_callbacks(config, tmp_path, verbose=False)
    plateau, stop = callbacks["plateau"], callbacks["early_stop"]
    assert (plateau.factor, plateau.patience, plateau.min_lr) == (0.5, 5, 1e-7)
    assert plateau.monitor == stop.monitor == "val_epe"
    assert stop.patience == 15 and stop.restore_best_weights
    assert "checkpoint" in callbacks and config.pretrained
    optimizer = make_optimizer(config.learning_rate, config.weight_decay, config.clipnorm)
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == 1e-5 and optimizer.clipnorm == 1.0


def test_plateau_halves_the_learning_rate_and_says_so():
    model, said = compiled_model(lr=4e-5), []
    plateau = LoggedReduceLROnPlateau(monitor="val_epe", factor=0.5, patience=2,
                                      min_lr=1e-5, say=said.append)
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch, value in enumerate([5.0, 4.0, 4.5, 4.2, 4.1, 4.3, 4.4]):
        plateau.on_epoch_end(epoch, {"val_epe": value})
    lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    assert [e["epoch"] for e in plateau.events] == [4, 6]  # cut after 2 epochs w/o progress
    assert np.isclose(lr, 1e-5)  # 4e-5 -> 2e-5 -> 1e-5 (the floor)
    assert "2e-05" in said[0] and "4.0000" in said[0] and "min_lr" in said[1]


def test_early_stopping_restores_the_best_weights_and_explains():
    model, said = compiled_model(), []
    stop = ExplainedEarlyStopping(monitor="val_epe", patience=2, total_epochs=10,
                                  say=said.append)
    stop.set_model(model)
    stop.on_train_begin()
    base = [w.copy() for w in model.get_weights()]
    for epoch, value in enumerate([3.0, 1.0, 2.0, 2.5, 2.7]):
        model.set_weights([w + epoch + 1 for w in base])  # weights "after" this epoch
        stop.on_epoch_end(epoch, {"val_epe": value})
        if model.stop_training:
            break
    stop.on_train_end()
    assert epoch == 3 and stop.stopped_epoch == 3
    for restored, original in zip(model.get_weights(), base):
        np.testing.assert_allclose(restored, original + 2)  # epoch 2's weights (val 1.0)
    assert "early stopping at epoch 4" in said[0] and "weights of epoch 2" in said[0]


def test_warning_signs_print_the_notes_advice():
    model, said = compiled_model(), []
    signs = WarningSigns(gap_warning=1.0, rise_epochs=2, say=said.append)
    signs.set_model(model)
    signs.on_train_begin()
    epochs = [(2.0, 1.5, 2.0), (2.0, 0.5, 1.8), (2.1, 0.5, 2.0), (2.2, 0.5, 2.2)]
    logs_seen = []
    for epoch, (val_loss, train_true, val_epe) in enumerate(epochs):
        logs = {"val_loss": val_loss, "train_loss_true": train_true, "val_epe": val_epe}
        signs.on_epoch_end(epoch, logs)
        logs_seen.append(logs)
    assert np.isclose(logs_seen[1]["train_val_gap"], 1.5)
    text = "\n".join(said)
    assert text.count("still overfitting") == 3  # epochs 2-4: gap > 1.0
    assert "lr or capacity too high" in text  # val_epe 1.8 -> 2.0 -> 2.2
    assert [w["kind"] for w in signs.warnings].count("val_rising") == 1
