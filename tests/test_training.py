"""Bucle de entrenamiento, métricas, puntos de control y errores ante argumentos malos."""

from __future__ import annotations

import functools
import inspect
import math
import pickle
import re
import time

import pytest
import torch
from torch import nn

from course_utils.data import BatchTransform, CIFAR10Tensor, make_loader, make_synthetic
from course_utils.models import IMAGENET_MEAN, IMAGENET_STD, MLP, SOURCE_CLASSES
from course_utils.training import (
    accuracy_per_class,
    confusion_matrix,
    evaluate,
    fit,
    fit_for_seconds,
    load_checkpoint,
    predict,
    save_checkpoint,
    seconds_per_step,
)


@functools.cache
def _synthetic(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """El conjunto sintético completo, generado una sola vez por partición (nadie lo modifica)."""
    return make_synthetic(split)


def _loaders(train_size=600, test_size=200, batch_size=100):
    images, labels = _synthetic("train")
    test_images, test_labels = _synthetic("test")
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
    start = time.perf_counter()
    model, history = _train(epochs=3)
    wall = time.perf_counter() - start
    assert len(history.train_loss) == len(history.val_acc) == len(history.seconds) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_acc[-1] > 0.25, "en el conjunto sintético, 3 épocas bastan para pasar de sobra del azar (10 %)"
    # Segundos acumulados: cada época suma su tiempo de entrenamiento (positivo), y el total no pasa del reloj.
    assert history.seconds[0] > 0
    steps = zip(history.seconds, history.seconds[1:], strict=False)
    assert all(later > earlier for earlier, later in steps), history.seconds
    assert history.seconds[-1] <= wall, (history.seconds, wall)
    _, test_loader = _loaders()
    loss, accuracy = evaluate(model, test_loader)
    assert (loss, accuracy) == pytest.approx((history.val_loss[-1], history.val_acc[-1]))


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


def test_random_bytes_are_a_damaged_file_not_one_that_brings_code(tmp_path):
    """Unos bytes al azar que pickle no entiende no «traen código»: el archivo está dañado (issue 27)."""
    path = tmp_path / "azar.pt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match="está dañado o no es un archivo de PyTorch") as caught:
        load_checkpoint(MLP(), path)
    assert "código" not in str(caught.value)


def test_weights_of_another_network_are_explained_in_spanish(tmp_path):
    path = tmp_path / "otra.pt"
    torch.save(MLP(hidden_sizes=(8,)).state_dict(), path)
    resized = r"tienen otra forma 3 \(como layers.0.weight \(8, 3072\) en vez de \(16, 3072\)\)"
    with pytest.raises(ValueError, match=resized):
        load_checkpoint(MLP(hidden_sizes=(16,)), path)
    torch.save(nn.Linear(3, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"le faltan \d+ \(como .*\); le sobran 2 \(como weight\)"):
        load_checkpoint(MLP(), path)


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
    with pytest.raises(FloatingPointError, match="tasa de aprendizaje más baja") as error:
        fit(model, train_loader, test_loader, optimizer, 3, progress=False)
    assert re.search(r"número finito \((infinito|menos infinito|no es un número)\) en la época", str(error.value))


def test_progress_bar_speaks_spanish(capsys):
    """La barra dice «100 %» y la exactitud en validación con coma decimal y espacio antes de «%»."""
    torch.manual_seed(0)
    train_loader, test_loader = _loaders(train_size=200, test_size=100)
    model = MLP(hidden_sizes=(16,))
    fit(model, train_loader, test_loader, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    bar = capsys.readouterr().err
    assert "Entrenando: 100 % |" in bar and "2/2 lotes" in bar
    assert re.search(r"época 1/1 · exactitud en validación \d{1,3},\d %\]", bar), bar


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


def test_lesson_04_trains_with_the_benchmarked_recipe():
    """La receta de la lección 04 (su versión 6) es la que mide benchmarks/train_mlp.py (allí, con un presupuesto)."""
    bench, source = _benchmark_and_lesson_code("train_mlp.py", "04_entrenar_mlp_cifar10.ipynb")
    found = {
        "LEARNING_RATE": r"AdamW\(parametros, lr=([\d.e-]+),",
        "WEIGHT_DECAY": r"AdamW\(.*weight_decay=([\d.e-]+)\)",
        "LABEL_SMOOTHING": r"CrossEntropyLoss\(label_smoothing=([\d.]+)\)",
        "BATCH_SIZE": r"BatchTransform\(flip=True, seed=semilla\)\),\s*batch_size=(\d+), shuffle=True",
    }
    for name, pattern in found.items():
        values = {float(v) for v in re.findall(pattern, source)}
        assert values == {float(getattr(bench, name))}, (name, values)
    assert re.search(r"nn.CrossEntropyLoss\(label_smoothing=0.1\), un_ciclo\(2e-3\)\)", source)
    assert bench.LEARNING_RATE == 2e-3


def test_features_are_computed_once_and_the_head_learns_on_them():
    from torch.utils.data import TensorDataset

    from course_utils.data import make_loader
    from course_utils.training import extract_features, train_head

    torch.manual_seed(0)
    _, test_loader = _loaders()
    calls = []

    class Backbone(nn.Module):
        def forward(self, x):
            calls.append((torch.is_grad_enabled(), self.training))
            return x.flatten(1)[:, :64]

    backbone = Backbone().train()
    features, labels = extract_features(backbone, test_loader)
    assert features.shape == (200, 64) and len(labels) == 200
    assert calls == [(False, False), (False, False)], "una pasada por lote, sin gradientes y en modo eval()"
    feature_loader = make_loader(TensorDataset(features, labels), 100)
    assert train_head(features, labels, feature_loader, num_classes=10, steps=200) > 0.3  # azar: 0,1
    assert train_head(features, labels, feature_loader, 10, steps=200, seed=1) != train_head(
        features, labels, feature_loader, 10, steps=200, seed=2
    ), "la semilla elige los pesos iniciales y el orden de los lotes"
    with pytest.raises(ValueError, match="No hay características"):
        train_head(features[:0], labels[:0], feature_loader, 10)


def test_transfer_study_compares_both_methods_for_every_budget_and_seed():
    from torch.utils.data import TensorDataset

    from course_utils.training import extract_features, train_head, transfer_study

    images, labels = make_synthetic("train", 400)
    new_train = CIFAR10Tensor(images, labels, "sintético", "train").select_classes([5, 6, 7])
    images, labels = make_synthetic("test", 200)
    new_test = CIFAR10Tensor(images, labels, "sintético", "test").select_classes([5, 6, 7])
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    backbone.train()
    statistics = backbone[1].running_mean.clone()
    built = []

    def builder():
        built.append(1)
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 3))

    def transform(augment):
        return BatchTransform(flip=augment, crop_padding=4 if augment else 0)

    results = transfer_study(backbone, builder, new_train, new_test, transform, (2, 6), (0, 1), steps=5, progress=False)
    assert set(results) == {"cabeza transferida", "ajuste fino", "desde cero"}
    for per_budget in results.values():
        assert sorted(per_budget) == [2, 6] and all(len(v) == 2 for v in per_budget.values())
        assert all(0 <= acc <= 1 for v in per_budget.values() for acc in v)
    assert len(built) == 4, "una red nueva desde cero en cada prueba"
    assert not backbone.training and torch.equal(backbone[1].running_mean, statistics), "el tronco, en eval()"
    # La primera prueba es la que hace a mano la lección 07: mismas imágenes, misma semilla, mismo resultado.
    few = new_train.few_per_class(2, seed=0)
    features, few_labels = extract_features(backbone, make_loader(few.with_transform(transform(False)), 1000))
    test_images = make_loader(new_test.with_transform(transform(False)), 1000)
    test_features, test_labels = extract_features(backbone, test_images)
    test_loader = make_loader(TensorDataset(test_features, test_labels), 1000)
    assert results["cabeza transferida"][2][0] == train_head(features, few_labels, test_loader, 3, steps=5, seed=0)


def test_lesson_07_uses_the_benchmarked_transfer_settings():
    """Los ajustes del estudio de transferencia de la lección 07 (modo completo) son los del benchmark."""
    bench, source = _benchmark_and_lesson_code("train_resnet18.py", "07_entrenar_resnet18_cifar10.ipynb")
    assert f"CLASES_NUEVAS = {bench.NEW_CLASSES}" in source
    assert sorted(bench.NEW_CLASSES + list(SOURCE_CLASSES)) == list(range(10)), "las nuevas son las que no vio"
    # el mismo tronco del curso, entrenado con las mismas 45 000 imágenes (la misma validación apartada)
    split = re.search(rf"split_validation\(\d+ if ajustes.quick else {bench.VALIDATION_SIZE}, seed=0\)", source)
    assert split, "la validación de la lección 07, la del benchmark en modo completo"
    # y en modo rápido, la misma que la lección 06: así la 07 carga el tronco que entrenó la 06, sin entrenar otro
    _, source_06 = _benchmark_and_lesson_code("train_resnet18.py", "06_transfer_learning_resnet18.ipynb")
    assert "datos_entrenamiento.subset(1200)" in source and "datos_entrenamiento.subset(1200)" in source_06
    assert split.group(0) in source_06
    assert "train, validation = train.split_validation(VALIDATION_SIZE, seed=0)" in inspect.getsource(bench.transfer)
    assert "course_backbone(train, folder=folder" in inspect.getsource(bench.transfer)
    assert "tronco_5 = course_backbone(datos_entrenamiento, device=dispositivo)" in source
    assert re.search(rf"PRESUPUESTOS = \(.*\) if ajustes.quick else {re.escape(str(bench.BUDGETS))}", source)
    assert re.search(rf"SEMILLAS = \(.*\) if ajustes.quick else {re.escape(str(bench.SEEDS))}\n", source)
    assert re.search(rf"PASOS = \d+ if ajustes.quick else {bench.STEPS}\b", source)
    assert "transfer_study(tronco_5, crear_red_5, entrenamiento_nuevas, prueba_nuevas, transformacion," in source
    assert f"MEDIA_IMAGENET, DESVIACION_IMAGENET = {bench.IMAGENET_MEAN}, {bench.IMAGENET_STD}" in source
    assert (bench.IMAGENET_MEAN, bench.IMAGENET_STD) == (IMAGENET_MEAN, IMAGENET_STD)


class _FakeClock:
    """Un reloj que solo avanza cuando el modelo lento «trabaja»: así las pruebas de tiempo no dependen de la carga
    de la máquina (otro proceso puede quitarle CPU a la prueba, pero no segundos a este reloj)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Sustituye time.perf_counter (el reloj de fit y fit_for_seconds) por un reloj falso."""
    fake = _FakeClock()
    monkeypatch.setattr(time, "perf_counter", fake)
    monkeypatch.setattr(_SlowModel, "clock", fake)
    return fake


class _SlowModel(nn.Module):
    """Una red diminuta que «tarda» ``delay`` segundos del reloj falso en cada lote de entrenamiento y
    ``eval_delay`` en cada lote de evaluación."""

    clock: _FakeClock | None = None  # de la clase: las copias (deepcopy) del modelo avanzan el mismo reloj

    def __init__(self, delay: float, eval_delay: float = 0.0):
        super().__init__()
        self.delay, self.eval_delay = delay, eval_delay
        self.layer = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        self.clock.now += self.delay if self.training else self.eval_delay
        return self.layer(x.flatten(1))


def test_fit_stops_after_max_steps():
    train_loader, test_loader = _loaders()  # 6 lotes por época
    model = MLP(hidden_sizes=(16,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = fit(model, train_loader, test_loader, optimizer, 3, progress=False, max_steps=8)
    assert len(history.seconds) == 2, "8 lotes son una época de 6 y 2 lotes de la segunda"
    assert history.images_seen == [600, 800]


def test_fit_for_seconds_ends_within_the_budget_plus_one_evaluation(capsys, clock):
    """Con un modelo lento a propósito (20 ms por lote), 1,5 s de presupuesto dan unos 70 lotes, no 1000."""
    train_loader, test_loader = _loaders(train_size=600, batch_size=20)  # 30 lotes por época
    torch.manual_seed(0)
    model = _SlowModel(delay=0.02, eval_delay=0.01)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    planned = []

    def one_cycle(opt, steps):
        planned.append(steps)
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=steps)

    start = time.perf_counter()
    history = fit_for_seconds(model, train_loader, test_loader, optimizer, 1.5, one_cycle, progress=False)
    elapsed = time.perf_counter() - start
    evaluation = time.perf_counter()
    evaluate(model, test_loader)
    one_evaluation = time.perf_counter() - evaluation
    assert one_evaluation > 0, "el reloj falso también cuenta la evaluación"
    assert elapsed <= 1.5 + (len(history.seconds) + 1) * one_evaluation + 1e-9
    assert history.seconds[-1] <= 1.5 + 1e-9, "el tiempo de entrenamiento no pasa del presupuesto"
    assert history.seconds[-1] >= 0.6 * 1.5, "aprovecha la mayor parte del presupuesto"
    assert 1 <= planned[0] <= 75, planned  # 1,5 s / 20 ms = 75 lotes como mucho
    assert history.images_seen[-1] <= planned[0] * 20, "nunca entrena más lotes de los planeados"
    assert len(history.seconds) <= math.ceil(planned[0] / 30)
    said = capsys.readouterr().out
    assert "Presupuesto: 2 s" in said or "Presupuesto: 1 s" in said
    assert f"caben {planned[0]} lotes" in said
    assert "La evaluación en validación al final de cada época no cuenta" in said
    assert re.search(r"Un lote tarda \d+ ms en esta máquina", said), said
    assert re.search(r"lotes \(\d+,\d épocas de 30 lotes\)", said), said


def test_the_budget_plan_is_written_as_a_spanish_reader_expects():
    from course_utils.training import _plan_message

    assert _plan_message(150, 0.013, 10_767, 196) == (
        "Presupuesto: 150 s. Un lote tarda 13 ms en esta máquina, así que caben 10 767 lotes (54,9 épocas de "
        "196 lotes). La evaluación en validación al final de cada época no cuenta."
    )
    assert _plan_message(150, 0.013, 10_767, 196, evaluates=False).endswith("(54,9 épocas de 196 lotes)."), (
        "sin datos de validación no hay evaluación de la que hablar"
    )
    assert "Un lote tarda 0,4 ms" in _plan_message(1.5, 0.0004, 3, 2), "por debajo de 10 ms, con un decimal"


def test_confusion_matrix_counts_in_errors_separate_thousands():
    with pytest.raises(ValueError, match="Hay 12 000 predicciones pero 3 etiquetas"):
        confusion_matrix(torch.zeros(12_000, dtype=torch.long), torch.zeros(3, dtype=torch.long))


def test_fit_for_seconds_does_not_touch_the_model_while_measuring():
    """La medición usa copias: el modelo y su BatchNorm no cambian antes de entrenar de verdad."""
    train_loader, _ = _loaders()
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(10))
    model(torch.zeros(2, 3, 32, 32))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seconds_per_step(model, train_loader, torch.optim.SGD(model.parameters(), lr=0.1), steps=2)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_fit_for_seconds_rejects_a_bad_budget():
    train_loader, test_loader = _loaders()
    model = MLP(hidden_sizes=(16,))
    with pytest.raises(ValueError, match="budget_s debe ser un número de segundos positivo"):
        fit_for_seconds(model, train_loader, test_loader, torch.optim.SGD(model.parameters(), lr=0.1), 0)


def test_fit_stops_at_the_time_limit_even_mid_epoch(clock):
    """Con un límite de 0,3 s y lotes de 20 ms, para a mitad de la primera época (tras 15 lotes) y la evalúa."""
    train_loader, test_loader = _loaders(train_size=600, batch_size=20)  # 30 lotes por época
    model = _SlowModel(delay=0.02)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = fit(model, train_loader, test_loader, optimizer, 5, progress=False, time_limit_s=0.3)
    assert len(history.seconds) == 1 and history.images_seen == [15 * 20]
    assert history.seconds[-1] == pytest.approx(0.3)
    assert len(history.val_acc) == 1, "la época a medias también se evalúa"


def test_lesson_05_trains_with_the_benchmarked_recipe():
    """La receta de la CNN de la lección 05 es la que mide benchmarks/train_cnn.py, con la misma red."""
    from course_utils.models import SmallCNN

    bench, source = _benchmark_and_lesson_code("train_cnn.py", "05_redes_convolucionales.ipynb")
    for lesson_name, bench_name in [("TAMANO_LOTE", "CNN_BATCH_SIZE"), ("TASA_APRENDIZAJE", "CNN_LEARNING_RATE"),
                                    ("DECAIMIENTO_PESOS", "CNN_WEIGHT_DECAY"),
                                    ("SUAVIZADO_ETIQUETAS", "CNN_LABEL_SMOOTHING"),
                                    ("RELLENO_RECORTE", "CNN_CROP_PADDING")]:
        values = {float(v) for v in re.findall(rf"^{lesson_name} = ([\d.e-]+)", source, flags=re.MULTILINE)}
        assert values == {float(getattr(bench, bench_name))}, (lesson_name, values)
    assert "nesterov=True" in source and "SmallCNN().to(dispositivo, memory_format=torch.channels_last)" in source
    model = SmallCNN()
    widths = tuple(stage[0][0].out_channels for stage in (model.stage1, model.stage2, model.stage3))
    assert (model.stem[0].out_channels, *widths) == bench.CNN_WIDTHS


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda model: torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.5),
        lambda model: torch.optim.SGD([{"params": model.layers[0].parameters(), "lr": 0.01},
                                       {"params": model.layers[2].parameters()}], lr=0.1, momentum=0.9),
    ],
    ids=["AdamW", "SGD con dos grupos"],
)
def test_measuring_a_step_works_with_any_optimizer_and_changes_nothing(make_optimizer):
    train_loader, _ = _loaders()
    model = MLP(hidden_sizes=(16,))
    optimizer = make_optimizer(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert seconds_per_step(model, train_loader, optimizer, steps=2) > 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert optimizer.state_dict()["state"] == {}, "el optimizador de verdad no ha dado ningún paso"


def test_measuring_works_with_fewer_batches_than_steps():
    train_loader, _ = _loaders(train_size=200, batch_size=100)  # 2 lotes
    model = MLP(hidden_sizes=(16,))
    assert seconds_per_step(model, train_loader, torch.optim.SGD(model.parameters(), lr=0.1), steps=5) > 0


# --- Guardado de golpe: un guardado interrumpido no estropea el punto de control anterior ---


def _interrupt_torch_save_halfway(monkeypatch) -> None:
    """Hace que ``torch.save`` escriba unos bytes y se corte como con Ctrl+C."""

    def interrupted(obj, f, *args, **kwargs):
        with open(f, "wb") as file:
            file.write(b"PK\x03\x04 a medias")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)


def test_an_interrupted_save_keeps_the_previous_checkpoint_and_leaves_no_temporary(tmp_path, monkeypatch):
    first = MLP(hidden_sizes=(8,))
    path = save_checkpoint(first, tmp_path / "mlp.pt")
    _interrupt_torch_save_halfway(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(MLP(hidden_sizes=(8,)), path, overwrite=True)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.pt"]
    copy = load_checkpoint(MLP(hidden_sizes=(8,)), path)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), copy.state_dict().values(), strict=True))


def test_an_interrupted_first_save_leaves_nothing_behind(tmp_path, monkeypatch):
    _interrupt_torch_save_halfway(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(MLP(hidden_sizes=(8,)), tmp_path / "modelos" / "mlp.pt")
    assert list((tmp_path / "modelos").iterdir()) == []


def test_without_overwrite_an_existing_file_is_never_touched(tmp_path):
    path = tmp_path / "mío.pt"
    path.write_bytes(b"un archivo del alumno")
    expected = re.escape(f"Ya existe {path}; para sustituirlo, llama con overwrite=True.")
    with pytest.raises(FileExistsError, match=expected):
        save_checkpoint(MLP(hidden_sizes=(8,)), path)
    assert path.read_bytes() == b"un archivo del alumno"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mío.pt"]


def test_overwrite_replaces_the_file_in_one_step(tmp_path):
    path = tmp_path / "mlp.pt"
    path.write_bytes(b"viejo")
    model = MLP(hidden_sizes=(8,))
    save_checkpoint(model, path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.pt"]
    load_checkpoint(MLP(hidden_sizes=(8,)), path)


def _garbage(path):
    path.write_bytes(b"esto no es un punto de control" * 10)


def _empty(path):
    path.write_bytes(b"")


def _truncated(path):
    torch.save(MLP(hidden_sizes=(8,)).state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (None, FileNotFoundError, "No existe el punto de control"),
        ("carpeta", IsADirectoryError, "es una carpeta, no un punto de control"),
        (_garbage, ValueError, "está dañado o no es un archivo de PyTorch"),
        (_empty, ValueError, r"está vacío \(0 bytes\)"),
        (_truncated, ValueError, "está dañado o no es un archivo de PyTorch"),
    ],
    ids=["no-existe", "carpeta", "basura", "vacío", "truncado"],
)
def test_a_bad_checkpoint_gives_a_spanish_error_naming_the_file(tmp_path, make, error, message):
    path = tmp_path / "mlp.pt"
    if make == "carpeta":
        path.mkdir()
    elif make is not None:
        make(path)
    with pytest.raises(error, match=message) as caught:
        load_checkpoint(MLP(hidden_sizes=(8,)), path)
    assert str(path) in str(caught.value)


# --- Errores realistas del bucle de entrenamiento que estas pruebas detectan --------------------------------


def test_seconds_add_up_the_training_time_of_each_epoch_without_the_evaluation(clock):
    """Con el reloj falso, 6 lotes de 20 ms por época son 0,12 s; los 2 lotes de evaluación (10 ms) no cuentan."""
    train_loader, test_loader = _loaders()  # 6 lotes de entrenamiento y 2 de prueba por época
    model = _SlowModel(delay=0.02, eval_delay=0.01)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = fit(model, train_loader, test_loader, optimizer, 3, progress=False)
    assert history.seconds == pytest.approx([0.12, 0.24, 0.36])
    assert clock.now == pytest.approx(3 * (0.12 + 0.02)), "el reloj sí avanza con la evaluación"


class _ModeRecorder(nn.Module):
    """Una red diminuta que anota, en cada llamada, si hay gradientes, si está en modo train() y el dtype de salida."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.layer = nn.Linear(3 * 32 * 32, num_classes)
        self.calls: list[tuple[bool, bool, torch.dtype]] = []

    def forward(self, x):
        output = self.layer(x.flatten(1))
        self.calls.append((torch.is_grad_enabled(), self.training, output.dtype))
        return output


def test_fit_trains_every_epoch_in_train_mode_and_evaluates_in_eval_mode():
    """Tras evaluar (model.eval()), fit debe volver a model.train(): si no, desde la 2.ª época entrenaría en eval."""
    train_loader, test_loader = _loaders()  # 6 lotes de entrenamiento y 2 de prueba por época
    model = _ModeRecorder()
    fit(model, train_loader, test_loader, torch.optim.SGD(model.parameters(), lr=0.01), 3, progress=False)
    training = [mode for grad, mode, _ in model.calls if grad]
    evaluating = [mode for grad, mode, _ in model.calls if not grad]
    assert training == [True] * 3 * 6, f"lotes de entrenamiento en modo eval: {training}"
    assert evaluating == [False] * 3 * 2, f"lotes de evaluación en modo train: {evaluating}"
    assert [grad for grad, _, _ in model.calls] == ([True] * 6 + [False] * 2) * 3, "entrena 6 lotes, evalúa 2"


def test_mixed_precision_fit_runs_in_bfloat16_and_fills_a_finite_history():
    torch.manual_seed(0)
    train_loader, test_loader = _loaders()
    model = _ModeRecorder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    history = fit(model, train_loader, test_loader, optimizer, 2, progress=False, mixed_precision=True)
    for name, values in history.metrics().items():
        assert len(values) == 2 and all(math.isfinite(v) for v in values), (name, values)
    assert history.images_seen == [600, 1200] and len(history.seconds) == 2
    assert {dtype for grad, _, dtype in model.calls if grad} == {torch.bfloat16}, "el forward no usó autocast"
    assert model.layer.weight.dtype == torch.float32, "los pesos siguen en float32"
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize(("bad", "low", "high"), [(3, 0, 3), (-1, -1, 2)])
def test_a_label_just_outside_the_classes_stops_fit_and_evaluate_in_spanish(bad, low, high):
    """Una etiqueta igual a num_classes (o −1) da el error en español, no el IndexError en inglés de PyTorch."""
    images, _ = make_synthetic("test", size=4)
    batch = (images.float() / 255, torch.tensor([0, 1, 2, bad]))
    loader = [batch]
    model = _ModeRecorder(num_classes=3)
    message = f"Las etiquetas deben ir de 0 a 2, pero hay etiquetas entre {low} y {high}."
    with pytest.raises(ValueError, match=re.escape(message)):
        fit(model, loader, loader, torch.optim.SGD(model.parameters(), lr=0.1), 1, num_classes=3, progress=False)
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate(model, loader, num_classes=3)


def test_accuracy_per_class_with_few_classes_and_single_examples():
    """Con otro número de clases y una clase de un solo ejemplo: cada exactitud es aciertos / ejemplos de la clase."""
    from course_utils.training import accuracy_per_class

    labels = torch.tensor([0, 1, 1, 2, 2, 2])
    predictions = torch.tensor([0, 1, 0, 2, 2, 1])
    accuracies = accuracy_per_class(predictions, labels, num_classes=4)
    assert accuracies.shape == (4,)
    assert torch.allclose(accuracies[:3], torch.tensor([1.0, 0.5, 2 / 3]))
    assert math.isnan(accuracies[3]), "una clase sin ejemplos no tiene exactitud"


def test_validation_is_optional_and_keep_best_restores_the_best_epoch(monkeypatch):
    """Sin datos de validación no se evalúa nada; con keep_best el modelo acaba con los pesos de la mejor época."""
    torch.manual_seed(0)
    train_loader, val_loader = _loaders()
    model = MLP(hidden_sizes=(64,))
    history = fit(model, train_loader, None, torch.optim.AdamW(model.parameters(), lr=3e-3), 2, progress=False)
    assert history.val_acc == [] and history.val_loss == [] and len(history.train_acc) == 2
    assert history.best_epoch is None
    with pytest.raises(ValueError, match="keep_best=True elige la mejor época en validación: pasa también val_loader"):
        fit(model, train_loader, None, torch.optim.SGD(model.parameters(), lr=0.1), 1, progress=False, keep_best=True)

    # La exactitud en validación, guionizada: sube, baja, sube sin llegar a la mejor (la época 2).
    import course_utils.training as training

    scripted = iter([0.2, 0.5, 0.3, 0.4])
    real_evaluate = training.evaluate
    monkeypatch.setattr(training, "evaluate", lambda *a, **k: (real_evaluate(*a, **k)[0], next(scripted)))
    snapshots = []
    torch.manual_seed(0)
    model = MLP(hidden_sizes=(64,))
    history = fit(model, train_loader, val_loader, torch.optim.SGD(model.parameters(), lr=0.1), 4, progress=False,
                  keep_best=True,
                  on_epoch_end=lambda h: snapshots.append({k: v.clone() for k, v in model.state_dict().items()}))
    assert history.val_acc == [0.2, 0.5, 0.3, 0.4] and history.best_epoch == 2
    assert all(torch.equal(model.state_dict()[k], v) for k, v in snapshots[1].items()), "los pesos de la época 2"
    assert not all(torch.equal(model.state_dict()[k], v) for k, v in snapshots[3].items())


def test_the_transfer_helpers_never_evaluate_during_training(monkeypatch):
    """train_head entrena sin datos de validación y mide en prueba una sola vez, al final."""
    import course_utils.training as training

    calls = []
    real_fit = training.fit
    monkeypatch.setattr(training, "fit", lambda model, train, val, *a, **k: calls.append(val) or real_fit(
        model, train, val, *a, **k))
    features, labels = torch.randn(40, 8), torch.arange(40) % 4
    test_loader = make_loader(torch.utils.data.TensorDataset(torch.randn(20, 8), torch.arange(20) % 4), 10)
    accuracy = training.train_head(features, labels, test_loader, 4, steps=3)
    assert calls == [None] and 0 <= accuracy <= 1


def test_top_confusions_are_the_largest_off_diagonal_fractions_of_each_row():
    from course_utils.training import top_confusions

    matrix = torch.tensor([[8, 2, 0], [1, 6, 3], [0, 5, 5]])
    assert top_confusions(matrix, ["a", "b", "c"], count=3) == [
        ("c", "b", 0.5), ("b", "c", 0.3), ("a", "b", 0.2)
    ]
    assert len(top_confusions(matrix, ["a", "b", "c"], count=50)) == 6, "solo hay 6 casillas fuera de la diagonal"
    with pytest.raises(ValueError, match=r"matriz 2×2, pero llegó \(3, 3\)"):
        top_confusions(matrix, ["a", "b"])
