"""Las comprobaciones de entrada del paquete: cada error dice en español qué se esperaba y qué llegó."""

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

matplotlib.use("Agg")

from course_utils import validation  # noqa: E402
from course_utils.animations import (  # noqa: E402
    convolution_gif,
    convolve2d_valid,
    flatten_matrix_gif,
    show_gif,
)
from course_utils.data import make_loader  # noqa: E402
from course_utils.models import MLP, ResidualBlock, SmallCNN, conv_bn_relu, count_parameters  # noqa: E402
from course_utils.plots import (  # noqa: E402
    LiveCurves,
    show_accuracy_per_class,
    show_confusion_matrix,
    show_histories,
    show_images,
    show_mistakes,
    show_probabilities,
    show_transfer_study,
    to_displayable,
)
from course_utils.training import (  # noqa: E402
    History,
    accuracy_per_class,
    bf16_is_fast,
    confusion_matrix,
    evaluate,
    extract_features,
    fit,
    fit_for_seconds,
    load_checkpoint,
    predict,
    save_checkpoint,
    seconds_per_step,
    train_head,
    transfer_study,
)
from course_utils.widgets import describe_mapping, flat_index, prediction_browser, unflat_index  # noqa: E402

IMAGES = torch.rand(4, 3, 32, 32)
LABELS = torch.tensor([0, 1, 2, 3])
PROBABILITIES = torch.softmax(torch.randn(4, 10), dim=1)
LOADER = [(IMAGES, LABELS)]
CHANNELS_LAST_LOADER = [(IMAGES.permute(0, 2, 3, 1), LABELS)]
NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="aquí sí hay GPU de NVIDIA")


def _optimizer(model: nn.Module) -> torch.optim.Optimizer:
    """Un optimizador cualquiera para la red."""
    return torch.optim.SGD(model.parameters(), lr=0.1)


# --- Las comprobaciones sueltas -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ([[0.0] * 4] * 3, TypeError, r"llegó list: conviértelo con torch.tensor\(imagenes\)"),
        (np.zeros((2, 3, 32, 32)), TypeError, r"llegó numpy.ndarray: conviértelo con torch.from_numpy\(imagenes\)"),
        (torch.zeros(3, 32, 32), ValueError, r"parece una sola imagen; añade .* imagen.unsqueeze\(0\)"),
        (torch.zeros(5, 32, 32, 3), ValueError, r"\(5, 32, 32, 3\): parece que los canales van al final; "),
        (torch.zeros(32, 32, 3), ValueError, r"con los canales al final; usa imagen.permute\(2, 0, 1\)"),
        (torch.zeros(2, 1, 32, 32), ValueError, r"Se esperaban imágenes \(N, 3, H, W\), pero llegó .*\(2, 1, 32, 32\)"),
        (torch.zeros(2, 3, 8, 8, dtype=torch.int64), TypeError, "deben ser uint8 .de 0 a 255. o float, pero son"),
        (torch.zeros(0, 3, 32, 32), ValueError, r"No hay imágenes: llegó un tensor vacío de forma \(0, 3, 32, 32\)"),
    ],
)
def test_check_images(value, error, message):
    with pytest.raises(error, match=message):
        validation.check_images(value)


def test_check_images_accepts_valid_batches_and_single_images_when_asked():
    assert validation.check_images(IMAGES) is IMAGES
    assert validation.check_images(torch.zeros(1, 3, 2, 2, dtype=torch.uint8)).dtype == torch.uint8
    validation.check_images(torch.zeros(3, 8, 8), allow_single=True)


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "message"),
    [
        ([0, 1], {}, TypeError, r"conviértelo con torch.tensor\(etiquetas\)"),
        (torch.tensor([0.0, 1.0]), {}, TypeError, r"números enteros \(torch.long\), pero son torch.float32"),
        (torch.zeros(4, 10, dtype=torch.long), {}, ValueError, r"forma \(4, 10\): .* .argmax\(dim=1\)"),
        (torch.tensor([0, 1]), {"n": 3}, ValueError, "Hay 3 imágenes pero 2 etiquetas"),
        (torch.tensor([0, 1, 10, -1]), {}, ValueError, "deben ir de 0 a 9, pero en la posición 2 hay un 10"),
        (torch.tensor([0, -1]), {}, ValueError, "en la posición 1 hay un -1"),
    ],
)
def test_check_labels(value, kwargs, error, message):
    with pytest.raises(error, match=message):
        validation.check_labels(value, 10, **kwargs)


@pytest.mark.parametrize("num_classes", [1, 3, 10])
def test_check_labels_boundaries_are_exact(num_classes):
    """0 y num_classes − 1 son válidas; num_classes y −1, las primeras que no, dan el error en español."""
    edges = torch.tensor([0, num_classes - 1])
    assert validation.check_labels(edges, num_classes) is edges
    last = num_classes - 1
    with pytest.raises(ValueError, match=f"deben ir de 0 a {last}, pero en la posición 2 hay un {num_classes}\\.$"):
        validation.check_labels(torch.tensor([0, last, num_classes]), num_classes)
    with pytest.raises(ValueError, match=f"deben ir de 0 a {last}, pero en la posición 1 hay un -1\\.$"):
        validation.check_labels(torch.tensor([last, -1]), num_classes)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, TypeError, "batch_size debe ser un número entero, pero llegó bool"),
        (2.5, TypeError, r"batch_size debe ser un número entero, pero llegó float \(2,50\)"),
        ("64", TypeError, "pero llegó str"),
        (0, ValueError, "batch_size debe ser al menos 1, pero vale 0"),
        (-12_000, ValueError, "pero vale -12 000"),
    ],
)
def test_check_count(value, error, message):
    with pytest.raises(error, match=message):
        validation.check_count(value, "batch_size")


def test_check_count_accepts_numpy_integers():
    assert validation.check_count(np.int64(3), "epochs") == 3


@NO_CUDA
def test_check_device_without_gpu():
    with pytest.raises(ValueError, match="Pediste «cuda», pero este ordenador no tiene una GPU de NVIDIA .* setup()"):
        validation.check_device("cuda")


def test_check_device():
    assert validation.check_device("cpu") == torch.device("cpu")
    with pytest.raises(TypeError, match="Se esperaba un dispositivo .*, pero llegó int"):
        validation.check_device(0)
    with pytest.raises(ValueError, match="«gpu» no es un dispositivo de PyTorch"):
        validation.check_device("gpu")


def test_check_model():
    with pytest.raises(TypeError, match=r"Has pasado la clase MLP, no una red: crea una con MLP\(\)"):
        validation.check_model(MLP)
    with pytest.raises(TypeError, match="Se esperaba una red .un nn.Module. en model, pero llegó str"):
        validation.check_model("resnet18")


def test_check_probabilities():
    with pytest.raises(ValueError, match=r"parecen logits; aplica torch.softmax\(salidas, dim=1\)"):
        validation.check_probabilities(torch.full((2, 10), 3.0), 10)
    with pytest.raises(TypeError, match="deben ser números decimales"):
        validation.check_probabilities(torch.zeros(2, 10, dtype=torch.long), 10)


# --- En las funciones públicas ----------------------------------------------------------------------------------


def _fit(model=None, loader=LOADER, **kwargs):
    """Llama a ``fit`` con una red pequeña, sin barra de progreso."""
    model = MLP(hidden_sizes=(8,)) if model is None else model
    optimizer = _optimizer(model) if isinstance(model, nn.Module) else None
    return fit(model, loader, LOADER, optimizer, kwargs.pop("epochs", 1), progress=False, **kwargs)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        # fit
        (lambda: _fit(MLP), TypeError, "Has pasado la clase MLP"),
        (lambda: _fit(epochs=2.0), TypeError, "epochs debe ser un número entero, pero llegó float"),
        (lambda: _fit(loader=IMAGES), TypeError, "cargador de lotes .* pero llegó torch.Tensor"),
        (lambda: _fit(loader=CHANNELS_LAST_LOADER), ValueError, r"canales van al final; usa imagenes.permute"),
        (lambda: _fit(epochs=0), ValueError, "epochs debe ser al menos 1, pero vale 0"),
        (lambda: _fit(max_steps=0), ValueError, "max_steps debe ser al menos 1"),
        (lambda: _fit(device="gpu"), ValueError, "«gpu» no es un dispositivo de PyTorch"),
        # fit_for_seconds
        (lambda: fit_for_seconds(MLP, LOADER, LOADER, None, 1), TypeError, "Has pasado la clase MLP"),
        (lambda: fit_for_seconds(MLP(), LOADER, LOADER, None, "1"), TypeError, "budget_s debe ser un número"),
        (lambda: fit_for_seconds(MLP(), [], LOADER, None, 1), ValueError, "El conjunto de entrenamiento está vacío"),
        (lambda: fit_for_seconds(MLP(), LOADER, LOADER, None, -5), ValueError, "positivo, pero vale -5"),
        # evaluate y predict
        (lambda: evaluate(MLP, LOADER), TypeError, "Has pasado la clase MLP"),
        (lambda: evaluate(MLP(), CHANNELS_LAST_LOADER), ValueError, r"\(4, 32, 32, 3\): parece que los canales"),
        (lambda: evaluate(MLP(), LOADER, num_classes=0), ValueError, "num_classes debe ser al menos 1"),
        (lambda: predict(lambda x: x, LOADER), TypeError, "Se esperaba una red .un nn.Module. en model, pero llegó"),
        (lambda: predict(MLP(), CHANNELS_LAST_LOADER), ValueError, "canales van al final"),
        (lambda: predict(MLP(), LOADER, device="tpu"), ValueError, "«tpu» no es un dispositivo"),
        # extract_features
        (lambda: extract_features(nn.Flatten, LOADER), TypeError, r"crea una con Flatten\(\)"),
        (lambda: extract_features(nn.Flatten(), IMAGES), TypeError, "cargador de lotes"),
        (lambda: extract_features(nn.Flatten(), []), ValueError, "extracción de características está vacío"),
        # confusion_matrix y accuracy_per_class
        (lambda: confusion_matrix([0, 1], LABELS[:2]), TypeError, r"torch.tensor\(predicciones\)"),
        (lambda: confusion_matrix(PROBABILITIES, LABELS), ValueError, r"\(4, 10\): .*argmax\(dim=1\)"),
        (lambda: confusion_matrix(LABELS, LABELS, num_classes=3), ValueError, "posición 3 hay un 3"),
        (lambda: accuracy_per_class(LABELS.float(), LABELS), TypeError, "predicciones deben ser números enteros"),
        (lambda: accuracy_per_class(LABELS, LABELS[None]), ValueError, r"vector \(N,\) de etiquetas"),
        (lambda: accuracy_per_class(LABELS, LABELS + 7), ValueError, "Las etiquetas deben ir de 0 a 9, pero en"),
        # train_head
        (lambda: train_head([[0.0]], LABELS[:1], LOADER, 10), TypeError, "tensor de PyTorch con las características"),
        (lambda: train_head(IMAGES, LABELS, LOADER, 10), ValueError, "parecen imágenes; pásalas antes por extract_"),
        (lambda: train_head(torch.rand(4, 8), LABELS, LOADER, 3), ValueError, "de 0 a 2, pero en la posición 3"),
        (lambda: train_head(torch.rand(4, 8), LABELS[:3], LOADER, 10), ValueError, "Hay 4 características pero 3"),
        (lambda: train_head(torch.rand(4, 8), LABELS, LOADER, 10, steps=0), ValueError, "steps debe ser al menos 1"),
        (lambda: train_head(torch.ones(4, 8, dtype=torch.long), LABELS, LOADER, 10), TypeError, "deben ser float"),
        # MLP
        (lambda: MLP()(IMAGES.permute(0, 2, 3, 1)), ValueError, "parece que los canales van al final"),
    ],
)
def test_training_boundaries(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_checkpoint_boundaries(tmp_path):
    with pytest.raises(TypeError, match="Has pasado la clase MLP"):
        save_checkpoint(MLP, tmp_path / "mlp.pt")
    path = save_checkpoint(MLP(hidden_sizes=(8,)), tmp_path / "mlp.pt")
    with pytest.raises(TypeError, match="Has pasado la clase MLP"):
        load_checkpoint(MLP, path)
    with pytest.raises(TypeError, match="nn.Module. en model, pero llegó dict"):
        load_checkpoint({}, path)
    with pytest.raises(ValueError, match="«gpu» no es un dispositivo"):
        load_checkpoint(MLP(hidden_sizes=(8,)), path, map_location="gpu")
    with pytest.raises(ValueError, match="no son de una red como MLP: tienen otra forma"):  # otra forma de red
        load_checkpoint(MLP(hidden_sizes=(4,)), path)


@NO_CUDA
def test_training_asks_for_setup_when_there_is_no_gpu():
    with pytest.raises(ValueError, match="no tiene una GPU de NVIDIA disponible: usa setup()"):
        _fit(device="cuda")


def test_mlp_still_accepts_channels_first_batches_and_flat_vectors():
    assert MLP()(IMAGES).shape == (4, 10)
    assert MLP(in_features=12, hidden_sizes=(4,))(torch.rand(5, 12)).shape == (5, 10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        # show_images
        (lambda: show_images(IMAGES.numpy(), LABELS), TypeError, "numpy.ndarray: conviértelo con torch.from_numpy"),
        (lambda: show_images(IMAGES.permute(0, 2, 3, 1), LABELS), ValueError, "canales van al final"),
        (lambda: show_images(IMAGES, LABELS + 7), ValueError, "etiquetas deben ir de 0 a 9, pero en la posición 3"),
        (lambda: show_images(IMAGES, LABELS, [0, 1, 2, 12]), ValueError, "Las predicciones deben ir de 0 a 9"),
        (lambda: show_images(IMAGES, "gato"), TypeError, "Se esperaba un tensor .o una lista de números. con las"),
        (lambda: show_images(IMAGES, LABELS, columns=0), ValueError, "columns debe ser al menos 1"),
        # show_probabilities
        (lambda: show_probabilities(None), TypeError, "con las probabilidades, pero llegó NoneType"),
        (lambda: show_probabilities(torch.ones(3)), ValueError, "Se esperaban 10 probabilidades"),
        (lambda: show_probabilities(torch.arange(10.0)), ValueError, "deben ir de 0 a 1, .* parecen logits"),
        # show_confusion_matrix
        (lambda: show_confusion_matrix("matriz"), TypeError, "matriz de confusión, pero llegó str"),
        (lambda: show_confusion_matrix(torch.zeros(3, 3)), ValueError, "10×10"),
        (lambda: show_confusion_matrix(-torch.eye(10)), ValueError, "no puede tener valores negativos, .* un -1"),
        # show_accuracy_per_class
        (lambda: show_accuracy_per_class({"gato": 0.5}), TypeError, "con las exactitudes, pero llegó dict"),
        (lambda: show_accuracy_per_class(torch.ones(3)), ValueError, r"\(10,\), pero llegó la forma \(3,\)"),
        (lambda: show_accuracy_per_class(torch.full((10,), 60.0)), ValueError, "parecen porcentajes; divide entre 100"),
        # show_mistakes
        (lambda: show_mistakes(IMAGES, LABELS.tolist(), PROBABILITIES), TypeError, r"torch.tensor\(etiquetas\)"),
        (lambda: show_mistakes(IMAGES[0], LABELS, PROBABILITIES), ValueError, "parece una sola imagen"),
        (lambda: show_mistakes(IMAGES, LABELS, PROBABILITIES[:2]), ValueError, "Hay 4 imágenes pero 2 filas"),
        (lambda: show_mistakes(IMAGES, LABELS, PROBABILITIES * 5), ValueError, "parecen logits"),
        (lambda: show_mistakes(IMAGES, LABELS, PROBABILITIES, count=0), ValueError, "count debe ser al menos 1"),
        # prediction_browser
        (lambda: prediction_browser(IMAGES, LABELS.numpy(), PROBABILITIES), TypeError, "torch.from_numpy"),
        (lambda: prediction_browser(IMAGES.permute(0, 2, 3, 1), LABELS, PROBABILITIES), ValueError, "al final"),
        (lambda: prediction_browser(IMAGES, LABELS, PROBABILITIES[:, :5]), ValueError, r"\(N, 10\), una fila"),
        (lambda: prediction_browser(IMAGES, LABELS - 1, PROBABILITIES), ValueError, "posición 0 hay un -1"),
    ],
)
def test_plot_boundaries(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _live_curves() -> LiveCurves:
    """Unas curvas sin mostrar nada (sin pasar por IPython)."""
    curves = LiveCurves.__new__(LiveCurves)
    return curves


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        # seconds_per_step y bf16_is_fast
        (lambda: seconds_per_step(MLP, LOADER, None), TypeError, "Has pasado la clase MLP"),
        (lambda: seconds_per_step(MLP(), IMAGES, None), TypeError, "cargador de lotes .* pero llegó torch.Tensor"),
        (lambda: seconds_per_step(MLP(), LOADER, None, steps=0), ValueError, "steps debe ser al menos 1, pero vale 0"),
        (lambda: seconds_per_step(MLP(), LOADER, None, steps=2.5), TypeError, "steps debe ser un número entero"),
        (lambda: bf16_is_fast(0), TypeError, "Se esperaba un dispositivo .* pero llegó int"),
        (lambda: bf16_is_fast("gpu"), ValueError, "«gpu» no es un dispositivo de PyTorch"),
        # count_parameters y constructores
        (lambda: count_parameters(MLP), TypeError, "Has pasado la clase MLP"),
        (lambda: count_parameters([1, 2]), TypeError, "nn.Module. en model, pero llegó list"),
        (lambda: MLP(hidden_sizes=512), TypeError, "hidden_sizes debe ser una secuencia de enteros, .* llegó int"),
        (lambda: MLP(hidden_sizes=(512.5,)), TypeError, "debe ser un número entero, pero llegó float"),
        (lambda: MLP(hidden_sizes=(512, 0)), ValueError, "Los tamaños de las capas deben ser positivos"),
        (lambda: ResidualBlock("16", 16), TypeError, "in_channels debe ser un número entero, pero llegó str"),
        (lambda: ResidualBlock(16, 0), ValueError, "out_channels debe ser al menos 1, pero vale 0"),
        (lambda: conv_bn_relu(3, 16.0), TypeError, "out_channels debe ser un número entero, pero llegó float"),
        (lambda: conv_bn_relu(-3, 16), ValueError, "in_channels debe ser al menos 1, pero vale -3"),
        # SmallCNN.forward
        (lambda: SmallCNN()(IMAGES.numpy()), TypeError, "lote de imágenes, pero llegó numpy.ndarray"),
        (lambda: SmallCNN()(IMAGES.permute(0, 2, 3, 1)), ValueError, "parece que los canales van al final"),
        (lambda: SmallCNN()(IMAGES[0]), ValueError, r"parece una sola imagen; .*unsqueeze\(0\)"),
        (lambda: SmallCNN()(torch.rand(4, 1, 32, 32)), ValueError, r"\(N, 3, H, W\), pero llegó la forma \(4, 1"),
    ],
)
def test_model_and_timing_boundaries(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_small_cnn_still_accepts_channels_first_batches():
    assert SmallCNN()(IMAGES).shape == (4, 10)
    assert count_parameters(MLP(hidden_sizes=(8,))) == 3072 * 8 + 8 + 8 * 10 + 10


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        # to_displayable
        (lambda: to_displayable(IMAGES.tolist()), TypeError, r"torch.tensor\(imagenes\)"),
        (lambda: to_displayable(torch.rand(4, 1, 32, 32)), ValueError, r"\(N, 3, H, W\), pero llegó la forma"),
        (lambda: to_displayable(IMAGES.long()), TypeError, "deben ser uint8 .* pero son torch.int64"),
        # show_histories y LiveCurves.update
        (lambda: show_histories([History()]), TypeError, r"diccionario \{nombre: History\} .* llegó list"),
        (lambda: show_histories({}), ValueError, "al menos un historial .* diccionario vacío"),
        (lambda: show_histories({"a": [0.5]}), TypeError, r"histories\['a'\] un historial .* llegó list"),
        (lambda: _live_curves().update({"val_acc": [0.5]}), TypeError, "historial .* llegó dict, sin train_loss"),
        # animaciones
        (lambda: flatten_matrix_gif(3, 4), TypeError, "path debe ser una ruta .* pero llegó int"),
        (lambda: flatten_matrix_gif("x.gif", 4.0), TypeError, "size debe ser un número entero, pero llegó float"),
        (lambda: flatten_matrix_gif("x.gif", 1), ValueError, "entre 2×2 y 8×8 .*, pero size=1"),
        (lambda: convolution_gif("x.gif", fps="2"), TypeError, "fps debe ser un número entero, pero llegó str"),
        (lambda: convolution_gif("x.gif", fps=0), ValueError, "fps debe ser al menos 1, pero vale 0"),
        (lambda: convolution_gif("x.gif", size=2), ValueError, "entre 3×3 .* size=2"),
        (lambda: convolve2d_valid("imagen", [[1]]), TypeError, "en image una lista no vacía .* llegó str"),
        (lambda: convolve2d_valid([[1, "a"]], [[1]]), TypeError, r"image debe contener solo números, .* str \('a'\)"),
        (lambda: convolve2d_valid([[1, 2], [3]], [[1]]), ValueError, r"image debe ser rectangular.*\[1, 2\]"),
        (lambda: convolve2d_valid([[1, 2]], [[1], [2]]), ValueError, r"núcleo \(2×1\) debe caber en la imagen"),
        (lambda: show_gif(None, "texto"), TypeError, "nombre de una animación .* llegó NoneType"),
        (lambda: show_gif("Nada.gif", "texto"), FileNotFoundError, "No encuentro la animación 'Nada.gif'"),
        # widgets
        (lambda: flat_index("1", 0, 0), TypeError, "c debe ser un número entero, pero llegó str"),
        (lambda: flat_index(0, 1.5, 0), TypeError, r"h debe ser un número entero, pero llegó float \(1,50\)"),
        (lambda: flat_index(0, 0, 32), IndexError, "w=32 está fuera de rango: debe ir de 0 a 31"),
        (lambda: flat_index(0, 0, 0, shape=(3, 32)), ValueError, r"forma \(C, H, W\) con tamaños positivos"),
        (lambda: unflat_index(None), TypeError, "index debe ser un número entero, pero llegó NoneType"),
        (lambda: unflat_index(-1), IndexError, "La posición -1 está fuera de rango"),
        (lambda: describe_mapping(3, 0, 0), IndexError, "c=3 está fuera de rango: debe ir de 0 a 2"),
        (lambda: describe_mapping(0, 0, 0, shape=(3, 32)), ValueError, r"forma \(C, H, W\)"),
        (lambda: describe_mapping(0, "0", 0), TypeError, "h debe ser un número entero, pero llegó str"),
    ],
)
def test_display_boundaries(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_optimizer_true_label_synthetic_size_and_seed_are_checked():
    import matplotlib.pyplot as plt

    from course_utils.config import setup
    from course_utils.data import BatchTransform, CIFAR10Tensor, make_loader, make_synthetic
    from course_utils.models import MLP
    from course_utils.plots import show_probabilities
    from course_utils.training import fit, seconds_per_step

    model = MLP(hidden_sizes=(8,))
    data = CIFAR10Tensor(*make_synthetic("test", 40), "sintético", "test")
    loader = make_loader(data.with_transform(BatchTransform()), batch_size=20)
    with pytest.raises(TypeError, match="Has pasado la clase SGD, no un optimizador"):
        fit(model, loader, loader, torch.optim.SGD, 1, progress=False)
    with pytest.raises(TypeError, match="Se esperaba un optimizador de torch.optim"):
        seconds_per_step(model, loader, None)
    with pytest.raises(ValueError, match="true_label debe ir de 0 a 9, pero vale 10"):
        show_probabilities(torch.full((10,), 0.1), true_label=10)
    with pytest.raises(TypeError, match="true_label debe ser un número entero"):
        show_probabilities(torch.full((10,), 0.1), true_label="gato")
    with pytest.raises(ValueError, match="size debe ser al menos 1, pero vale -5"):
        make_synthetic("train", -5)
    with pytest.raises(TypeError, match="seed debe ser un entero de 0 en adelante"):
        setup(seed=1.5, verbose=False)
    plt.close("all")


# --- Ronda dos (issue 27): booleanos, valores no finitos, presupuestos absurdos y enteros de NumPy ---------


@pytest.mark.parametrize("value", ["no", "False", 1, 0.0, [], None])
def test_a_truthy_or_falsy_non_bool_is_refused_where_a_bool_is_expected(value):
    kind = type(value).__name__ if value is not None else "NoneType"
    with pytest.raises(TypeError, match=f"progress debe ser True o False, pero llegó {kind}"):
        validation.check_flag(value, "progress")
    assert validation.check_flag(np.bool_(True), "progress") is True
    assert validation.check_flag(None, "offline", allow_none=True) is None


def test_public_functions_refuse_a_string_as_a_bool(tmp_path):
    from course_utils.config import setup
    from course_utils.data import BatchTransform, load_cifar10, make_synthetic
    from course_utils.models import load_pretrained

    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="trainable_only debe ser True o False, pero llegó str \\('no'\\)"):
        count_parameters(model, trainable_only="no")
    with pytest.raises(TypeError, match="flip debe ser True o False"):
        BatchTransform(flip="sí")
    with pytest.raises(TypeError, match="offline debe ser True, False o None, pero llegó str"):
        load_cifar10("test", data_dir=tmp_path, offline="no")
    with pytest.raises(TypeError, match="freeze_backbone debe ser True o False"):
        load_pretrained("resnet18", freeze_backbone="no", offline=True)
    with pytest.raises(TypeError, match="verbose debe ser True o False"):
        setup(verbose="no")
    with pytest.raises(TypeError, match="overwrite debe ser True o False"):
        save_checkpoint(model, tmp_path / "m.pth", overwrite="sí")
    assert not (tmp_path / "m.pth").exists()
    images, labels = make_synthetic("test", 8)
    loader = make_loader(TensorDataset(images.float() / 255, labels), batch_size=4)
    model = SmallCNN()
    with pytest.raises(TypeError, match="progress debe ser True o False"):
        fit(model, loader, loader, torch.optim.SGD(model.parameters(), lr=0.1), 1, progress="no")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_images_and_probabilities_with_nan_or_inf_are_refused_with_the_position(bad):
    images = torch.rand(2, 3, 8, 8)
    images[1, 2, 3, 4] = bad
    with pytest.raises(
        ValueError,
        match=r"1 valores no finitos \(nan o infinito\) en las imágenes; el primero, en la "
        r"posición \(1, 2, 3, 4\)",
    ):
        show_images(images, [0, 1])
    probabilities = torch.full((2, 10), 0.1)
    probabilities[0, 3] = bad
    with pytest.raises(
        ValueError,
        match=r"no finitos \(nan o infinito\) en las probabilidades; el primero, en la "
        r"posición \(0, 3\)",
    ):
        show_mistakes(torch.rand(2, 3, 8, 8), torch.tensor([0, 1]), probabilities)


def test_float_images_from_0_to_255_are_refused_instead_of_drawn_white():
    images = torch.rand(2, 3, 8, 8) * 255
    with pytest.raises(ValueError, match="float con valores hasta 25[0-9],[0-9]: parecen de 0 a 255.*imagenes / 255"):
        to_displayable(images)
    normalized = (torch.rand(2, 3, 8, 8) - 0.5) / 0.2  # normalizadas: hasta unos 2,5, se siguen admitiendo
    assert to_displayable(normalized).shape == (2, 8, 8, 3)


@pytest.mark.parametrize(
    ("budget", "message"), [(1e300, "como mucho 604 800, pero vale 1"), (float("nan"), "vale nan")]
)
def test_an_absurd_time_budget_is_refused_before_planning(budget, message):
    model = SmallCNN()
    images = torch.rand(8, 3, 32, 32)
    loader = make_loader(TensorDataset(images, torch.zeros(8, dtype=torch.long)), batch_size=4)
    with pytest.raises(ValueError, match=f"budget_s debe ser un número de segundos positivo.*{message}"):
        fit_for_seconds(model, loader, loader, torch.optim.SGD(model.parameters(), lr=0.1), budget, verbose=False)


def test_numpy_integers_are_accepted_where_an_int_is():
    from course_utils.config import setup
    from course_utils.data import CIFAR10Tensor, make_synthetic
    from course_utils.models import load_pretrained

    assert setup(np.int64(3), verbose=False).type in {"cpu", "cuda", "mps"}
    model, _ = load_pretrained("resnet18", num_classes=np.int64(5), offline=True)
    assert model.fc.out_features == 5
    dataset = CIFAR10Tensor(*make_synthetic("test", 20), "sintético", "test")
    assert len(dataset.subset(np.int64(10))) == 10
    assert len(make_loader(dataset, batch_size=np.int32(5))) == 4


def _wrong_optimizer_fit():
    model, other = SmallCNN(), SmallCNN()
    loader = make_loader(TensorDataset(torch.rand(4, 3, 32, 32), torch.zeros(4, dtype=torch.long)), batch_size=4)
    fit(model, loader, loader, torch.optim.SGD(other.parameters(), lr=0.1), 1, progress=False)


def _tiny_budget():
    model = SmallCNN()
    loader = make_loader(TensorDataset(torch.rand(4, 3, 32, 32), torch.zeros(4, dtype=torch.long)), batch_size=4)
    fit_for_seconds(model, loader, loader, torch.optim.SGD(model.parameters(), lr=0.1), 1e-6, verbose=False)


def _synthetic_dataset():
    from course_utils.data import CIFAR10Tensor, make_synthetic

    return CIFAR10Tensor(*make_synthetic("test", 20), "sintético", "test")


def _batch_transform(*args, **kwargs):
    from course_utils.data import BatchTransform

    return BatchTransform(*args, **kwargs)


def _load_checkpoint_with_a_list():
    import tempfile
    from pathlib import Path

    from course_utils.models import MLP

    state = MLP(hidden_sizes=(4,)).state_dict()
    state["layers.0.bias"] = [0.0] * 4
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lista.pt"
        torch.save(state, path)
        load_checkpoint(MLP(hidden_sizes=(4,)), path)


def _with_nan():
    images = torch.rand(2, 3, 8, 8)
    images[0, 0, 0, 0] = float("nan")
    return images


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (_wrong_optimizer_fit, ValueError, "El optimizador no contiene ningún parámetro de esta red"),
        (_tiny_budget, ValueError, "se ha ido entero en medir un lote"),
        (lambda: save_checkpoint(nn.Linear(2, 2), 123), TypeError, "path debe ser una ruta"),
        (lambda: load_checkpoint(nn.Linear(2, 2), 123), TypeError, "path debe ser una ruta"),
        (lambda: load_checkpoint(nn.Linear(2, 2), "x.pt", map_location=123), TypeError, "map_location debe ser"),
        (lambda: make_loader(torch.rand(4, 3, 8, 8)), TypeError, "pero llegó Tensor"),
        (lambda: make_loader(_synthetic_dataset(), shuffle=True, seed="x"), TypeError, "seed debe ser un número"),
        (lambda: _synthetic_dataset().subset(5, seed=2**40), ValueError, "seed debe ser un entero de 0 a 4 294"),
        (lambda: _synthetic_dataset().select_classes([1.5]), TypeError, "Cada etiqueta de select_classes"),
        (lambda: _synthetic_dataset().select_classes(3), TypeError, "lista de etiquetas .* pero llegó int"),
        (lambda: _batch_transform(std=(0, 0, 0)), ValueError, "std debe tener 3 números positivos"),
        (lambda: _batch_transform(mean=(0.5,)), ValueError, "mean debe tener 3 números"),
        (lambda: _batch_transform(crop_padding=10**12), ValueError, "crop_padding debe ir de 0 a 64"),
        (lambda: _batch_transform()(torch.rand(32, 32, 3)), ValueError, r"la forma \(32, 32, 3\).*permute\(2, 0, 1\)"),
        (lambda: _batch_transform()(torch.rand(2, 3, 8, 8) * 255), ValueError, "parecen de 0 a 255"),
        (lambda: _batch_transform()(_with_nan()), ValueError, "no finitos"),
        (lambda: train_head(torch.rand(4, 8), torch.zeros(4, dtype=torch.long), [], 2, seed="a"), TypeError, "seed"),
        (lambda: show_confusion_matrix(torch.full((10, 10), float("nan"))), ValueError, "no finitos"),
        (lambda: show_gif("Convolucion.gif", alt=None), TypeError, "alt debe ser un texto"),
        (lambda: SmallCNN(widths="abcd"), TypeError, "widths debe ser una tupla"),
        (lambda: show_probabilities(torch.full((10,), 0.5)), ValueError, "deben sumar 1, pero suman 5,00"),
        (lambda: show_transfer_study({"cabeza": [0.5, 0.6]}), ValueError, r"results\['cabeza'\] debe ser"),
        (lambda: evaluate(SmallCNN(), [torch.rand(2, 3, 32, 32)]), TypeError, "debe ser un par .* llegó Tensor"),
        (lambda: _load_checkpoint_with_a_list(), ValueError, "no son todos tensores: layers.0.bias es list"),
        (lambda: transfer_study(SmallCNN(), SmallCNN(), None, None, None, (5,), (0,)), TypeError, "ya creada"),
    ],
)
def test_round_two_arguments_get_spanish_errors(call, error, message):
    """Los POOR de la segunda ronda de sondas hostiles (issue 27): cada uno, un error en español que lo dice."""
    with pytest.raises(error, match=message):
        call()
