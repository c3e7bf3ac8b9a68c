"""Bucle de entrenamiento, métricas, puntos de control y errores ante argumentos malos."""

from __future__ import annotations

import math
import pickle
import re

import pytest
import torch
from torch import nn

from course_utils.data import BatchTransform, CIFAR10Tensor, make_loader, make_synthetic
from course_utils.models import MLP
from course_utils.training import (
    accuracy_per_class,
    confusion_matrix,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    save_checkpoint,
)


def _loaders(train_size=600, test_size=200, batch_size=100):
    images, labels = make_synthetic("train")
    test_images, test_labels = make_synthetic("test")
    train = CIFAR10Tensor(images[:train_size], labels[:train_size], "sintético", "train", BatchTransform(flip=True))
    test = CIFAR10Tensor(test_images[:test_size], test_labels[:test_size], "sintético", "test", BatchTransform())
    return make_loader(train, batch_size, shuffle=True, seed=0), make_loader(test, batch_size)


def _train(seed=0, epochs=2, **kwargs):
    torch.manual_seed(seed)
    train_loader, test_loader = _loaders()
    model = MLP(hidden_sizes=(64,))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    return model, fit(model, train_loader, test_loader, optimizer, epochs, progress=False, **kwargs)


def test_training_learns_and_records_history():
    model, history = _train(epochs=3)
    assert len(history.train_loss) == len(history.test_acc) == len(history.seconds) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.5, "en el conjunto sintético, 3 épocas bastan para pasar del azar (10 %)"
    assert history.seconds == sorted(history.seconds)
    _, test_loader = _loaders()
    loss, accuracy = evaluate(model, test_loader)
    assert (loss, accuracy) == pytest.approx((history.test_loss[-1], history.test_acc[-1]))


def test_same_seed_same_history():
    _, first = _train(seed=5)
    _, second = _train(seed=5)
    _, other = _train(seed=6)
    assert first.metrics() == second.metrics()
    assert first.metrics() != other.metrics()


def test_scheduler_steps_once_per_batch():
    torch.manual_seed(0)
    train_loader, test_loader = _loaders()
    model = MLP(hidden_sizes=(32,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=2 * len(train_loader))
    fit(model, train_loader, test_loader, optimizer, 2, scheduler=scheduler, progress=False)
    assert scheduler.last_epoch == 2 * len(train_loader)


def test_metrics_against_hand_computed_values():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    predictions = torch.tensor([0, 1, 0, 1, 1, 0])
    matrix = confusion_matrix(predictions, labels, num_classes=3)
    assert matrix.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    per_class = accuracy_per_class(predictions, labels, num_classes=4)
    assert per_class[:3].tolist() == pytest.approx([2 / 3, 1.0, 0.0])
    assert math.isnan(per_class[3].item()), "una clase sin imágenes no tiene exactitud"


def test_evaluate_and_predict_by_hand():
    class Fixed(nn.Module):
        def forward(self, x):
            return torch.log(x)  # las entradas son ya las probabilidades

    probabilities = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1], [0.2, 0.6, 0.2]])
    labels = torch.tensor([0, 2, 1, 1])
    loader = [(probabilities[:2], labels[:2]), (probabilities[2:], labels[2:])]
    loss, accuracy = evaluate(Fixed(), loader, num_classes=3)
    expected_loss = -(math.log(0.7) + math.log(0.8) + math.log(0.4) + math.log(0.6)) / 4
    assert loss == pytest.approx(expected_loss, rel=1e-6)
    assert accuracy == 0.75
    predicted, real = predict(Fixed(), loader)
    assert torch.allclose(predicted, probabilities) and torch.equal(real, labels)


def test_checkpoint_round_trip(tmp_path):
    model, _ = _train(epochs=1)
    path = save_checkpoint(model, tmp_path / "modelos" / "mlp.pt")
    copy = load_checkpoint(MLP(hidden_sizes=(64,)), path, map_location="cpu")
    for (name, a), (_, b) in zip(model.state_dict().items(), copy.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_checkpoint(model, path)
    save_checkpoint(model, path, overwrite=True)


class _Evil:
    def __reduce__(self):
        return (print, ("¡código ejecutado al cargar!",))


def test_a_pickle_that_is_not_weights_is_refused(tmp_path, capsys):
    path = tmp_path / "trampa.pt"
    path.write_bytes(pickle.dumps({"pesos": _Evil()}, protocol=2))
    with pytest.raises(ValueError, match="no contiene solo pesos"):
        load_checkpoint(MLP(), path)
    assert "código ejecutado" not in capsys.readouterr().out
    torch.save([torch.zeros(1)], tmp_path / "lista.pt")
    with pytest.raises(ValueError, match="Se esperaba un state_dict"):
        load_checkpoint(MLP(), tmp_path / "lista.pt")


def test_empty_dataset():
    train_loader, test_loader = _loaders()
    model = MLP()
    with pytest.raises(ValueError, match="El conjunto de entrenamiento está vacío"):
        fit(model, [], test_loader, torch.optim.SGD(model.parameters(), lr=0.1), 1, progress=False)
    with pytest.raises(ValueError, match="vacío"):
        make_loader([], 10)


def test_model_with_wrong_number_of_outputs():
    train_loader, test_loader = _loaders()
    model = MLP(num_classes=7)
    with pytest.raises(ValueError, match=r"\(N, 10\), pero devolvió la forma \(100, 7\)"):
        fit(model, train_loader, test_loader, torch.optim.SGD(model.parameters(), lr=0.1), 1, progress=False)


def test_labels_out_of_range():
    images, _ = make_synthetic("test", size=50)
    bad = CIFAR10Tensor(images, torch.full((50,), 12), "sintético", "test", BatchTransform())
    loader = make_loader(bad, 25)
    model = MLP()
    with pytest.raises(ValueError, match="Las etiquetas deben ir de 0 a 9, pero hay etiquetas entre 12 y 12"):
        fit(model, loader, loader, torch.optim.SGD(model.parameters(), lr=0.1), 1, progress=False)


def test_non_finite_loss():
    train_loader, test_loader = _loaders()
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match="tasa de aprendizaje más baja"):
        fit(model, train_loader, test_loader, optimizer, 3, progress=False)


def test_zero_epochs():
    train_loader, test_loader = _loaders()
    model = MLP()
    with pytest.raises(ValueError, match="epochs debe ser al menos 1"):
        fit(model, train_loader, test_loader, torch.optim.SGD(model.parameters(), lr=0.1), 0, progress=False)


def _benchmark_and_lesson_code(benchmark: str, notebook: str):
    """El módulo de un benchmark y el código de todas las celdas de un cuaderno."""
    import importlib.util
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(Path(benchmark).stem, root / "benchmarks" / benchmark)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nb = nbformat.read(root / "notebooks" / notebook, as_version=4)
    return module, "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def test_lesson_03_trains_with_the_benchmarked_recipe():
    """La receta de la lección 03 es la que mide benchmarks/train_mlp.py."""
    bench, source = _benchmark_and_lesson_code("train_mlp.py", "03_entrenar_mlp_cifar10.ipynb")
    found = {
        "EPOCHS": r"EPOCHS = 2 if settings.quick else (\d+)",
        "LEARNING_RATE": r"AdamW\(model.parameters\(\), lr=([\d.e-]+),",
        "WEIGHT_DECAY": r"weight_decay=([\d.e-]+)\)",
        "LABEL_SMOOTHING": r"CrossEntropyLoss\(label_smoothing=([\d.]+)\)",
        "BATCH_SIZE": r"BatchTransform\(flip=True\)\), batch_size=(\d+), shuffle=True",
    }
    for name, pattern in found.items():
        values = {float(v) for v in re.findall(pattern, source)}
        assert values == {float(getattr(bench, name))}, (name, values)
    assert re.search(r"OneCycleLR\(optimizer, max_lr=2e-3,", source) and bench.LEARNING_RATE == 2e-3
    assert "mixed_precision=bf16_is_fast(device)" in source


def test_features_are_computed_once_and_the_head_learns_on_them():
    from course_utils.training import extract_features, train_linear_head

    torch.manual_seed(0)
    _, test_loader = _loaders()
    calls = []

    class Backbone(nn.Module):
        def forward(self, x):
            calls.append(torch.is_grad_enabled())
            return x.flatten(1)[:, :64]

    features, labels = extract_features(Backbone(), test_loader)
    assert features.shape == (200, 64) and len(labels) == 200
    assert calls == [False, False], "una pasada por lote, sin gradientes"
    head = train_linear_head(features, labels, num_classes=10, steps=200)
    assert (head(features).argmax(1) == labels).float().mean() > 0.5
    with pytest.raises(ValueError, match="No hay características"):
        train_linear_head(features[:0], labels[:0], 10)


def test_lesson_05_uses_the_benchmarked_transfer_settings():
    """Los ajustes del experimento de transferencia de la lección 05 son los del benchmark."""
    bench, source = _benchmark_and_lesson_code("train_resnet18.py", "05_entrenar_resnet18_cifar10.ipynb")
    assert f"PRETRAIN_CLASSES, NEW_CLASSES = {bench.PRETRAIN_CLASSES}, {bench.NEW_CLASSES}" in source
    assert f"SHOTS = {bench.SHOTS}" in source
    assert f"PRETRAIN_EPOCHS = 1 if settings.quick else {bench.PRETRAIN_EPOCHS}" in source
    assert f"SCRATCH_FEW_EPOCHS = 5 if settings.quick else {bench.SCRATCH_FEW_EPOCHS}" in source
    assert f"IMAGENET_MEAN, IMAGENET_STD = {bench.IMAGENET_MEAN}, {bench.IMAGENET_STD}" in source
