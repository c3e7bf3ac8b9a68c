"""Gráficas: conversión de imágenes para mostrarlas y cuadrícula con etiquetas en español."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.data import BatchTransform  # noqa: E402
from course_utils.plots import show_images, show_probabilities, to_displayable  # noqa: E402


def test_uint8_float_and_normalized_give_the_same_picture():
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    expected = (images.float() / 255).permute(0, 2, 3, 1)
    normalized = BatchTransform()(images)
    copy = normalized.clone()
    assert torch.allclose(to_displayable(images), expected)
    assert torch.allclose(to_displayable(images.float() / 255), expected)
    assert torch.allclose(to_displayable(normalized), expected, atol=1e-5)
    assert torch.equal(normalized, copy), "no debe modificar su entrada"
    assert to_displayable(images[0]).shape == (32, 32, 3)


def test_bad_shape():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\).*\(2, 32, 32\)"):
        to_displayable(torch.zeros(2, 32, 32))


def test_grid_titles_in_spanish_with_predictions():
    images = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    fig = show_images(images, [0, 3, 9], predictions=[0, 5, 9], columns=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["avión\npred.: avión", "gato\npred.: perro", "camión\npred.: camión"]
    colors = [ax.title.get_color() for ax in fig.axes if ax.get_title()]
    assert colors == ["green", "red", "green"]
    assert len(fig.axes) == 4
    plt.close(fig)


def _labels(axis) -> list[str]:
    """Los textos de las marcas de un eje ya dibujado, con el signo menos de matplotlib como guion."""
    return [t.get_text().replace("\N{MINUS SIGN}", "-") for t in axis.get_ticklabels()]


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [
        ([0, 0.5, 1], ["0,0", "0,5", "1,0"]),
        ([0.25, 0.5, 0.75], ["0,25", "0,50", "0,75"]),
        ([0, 1, 2], ["0", "1", "2"]),
        ([0.1 + 0.2, 0.4], ["0,3", "0,4"]),  # 0.30000000000000004 no pide 17 decimales
        ([10_000, 20_000], ["10 000", "20 000"]),
    ],
)
def test_decimal_comma_ticks_use_the_same_decimals_on_every_tick(ticks, expected):
    from course_utils.plots import DecimalCommaFormatter

    assert DecimalCommaFormatter().format_ticks(ticks) == expected


def test_label_count_must_match():
    with pytest.raises(ValueError, match="Hay 2 imágenes pero 3 etiquetas"):
        show_images(torch.zeros(2, 3, 32, 32, dtype=torch.uint8), [0, 1, 2])


def test_probability_bars():
    probabilities = torch.softmax(torch.tensor([[0.1, 2.0, 0.3, 0, 0, 0, 0, 0, 0, 0.5]]), dim=1)
    fig = show_probabilities(probabilities, true_label=3)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["avión", "automóvil"]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == pytest.approx(probabilities[0].tolist())
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    assert "clase real: gato" in ax.get_title()
    fig.canvas.draw()
    assert _labels(ax.xaxis) == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]
    plt.close(fig)
    with pytest.raises(ValueError, match="Se esperaban 10 probabilidades"):
        show_probabilities(torch.ones(3))


def test_confusion_matrix_plot_and_per_class_bars():
    from course_utils.plots import show_accuracy_per_class, show_confusion_matrix

    matrix = torch.eye(10, dtype=torch.long) * 8 + 2
    fig = show_confusion_matrix(matrix)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "clase predicha" and ax.get_ylabel() == "clase real"
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "camión"
    assert ax.texts[0].get_text() == "0,36" and ax.texts[1].get_text() == "0,07"  # 10/28 y 2/28, coma decimal
    fig.canvas.draw()
    assert _labels(fig.axes[1].yaxis)[-1] == "1,0", "la barra de color también lleva coma decimal"
    plt.close(fig)
    with pytest.raises(ValueError, match="10×10"):
        show_confusion_matrix(torch.zeros(3, 3))
    fig = show_accuracy_per_class(torch.linspace(0, 0.9, 10))
    assert [bar.get_height() for bar in fig.axes[0].patches] == pytest.approx(torch.linspace(0, 0.9, 10).tolist())
    fig.canvas.draw()
    assert _labels(fig.axes[0].yaxis) == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]
    plt.close(fig)


def test_mistakes_gallery_shows_the_most_confident_errors():
    from course_utils.plots import show_mistakes

    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    labels = torch.tensor([0, 1, 2, 3])
    probabilities = torch.full((4, 10), 0.0)
    probabilities[0, 0] = 1.0  # acierto
    probabilities[1, 5], probabilities[2, 6], probabilities[3, 3] = 0.6, 0.9, 1.0
    fig = show_mistakes(images, labels, probabilities)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["pájaro\npred.: rana", "automóvil\npred.: perro"]
    plt.close(fig)
    assert show_mistakes(images[:1], labels[:1], probabilities[:1]) is None


def test_mistakes_gallery_without_mistakes_says_so(capsys):
    from course_utils.plots import show_mistakes

    probabilities = torch.eye(10)[:3]
    assert show_mistakes(torch.zeros(3, 3, 32, 32, dtype=torch.uint8), torch.arange(3), probabilities) is None
    assert "no se equivoca en ninguna de las 3 imágenes" in capsys.readouterr().out
    probabilities = torch.eye(10)[torch.arange(12_000) % 10]
    assert show_mistakes(torch.zeros(12_000, 3, 1, 1), torch.arange(12_000) % 10, probabilities) is None
    assert "ninguna de las 12 000 imágenes" in capsys.readouterr().out


def test_live_curves_redraw_with_the_history():
    from course_utils.plots import LiveCurves
    from course_utils.training import History

    curves = LiveCurves()
    history = History([2.0, 1.5], [0.3, 0.5], [1.9, 1.7], [0.35, 0.45], [1.0, 2.0])
    curves.update(history)
    lines = curves.ax_acc.get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[0.3, 0.5], [0.35, 0.45]]
    assert curves.ax_loss.get_title() == "Pérdida" and curves.ax_acc.get_ylim() == (0, 1)


def test_live_curves_show_whole_epochs():
    from course_utils.plots import LiveCurves
    from course_utils.training import History

    curves = LiveCurves()
    curves.update(History(train_loss=[1, 0.8, 0.7], train_acc=[0.3, 0.4, 0.5], val_loss=[1, 0.9, 0.8],
                          val_acc=[0.3, 0.4, 0.5]))
    for ax in (curves.ax_loss, curves.ax_acc):
        assert all(float(tick).is_integer() for tick in ax.get_xticks()), ax.get_xticks()


def test_live_curves_write_decimal_commas_after_every_redraw():
    from course_utils.plots import LiveCurves
    from course_utils.training import History

    curves = LiveCurves()
    for _ in range(2):  # update() borra los ejes: las marcas deben seguir con coma tras cada redibujo
        curves.update(History(train_loss=[1.5, 1.0, 0.5], train_acc=[0.3, 0.4, 0.5], val_loss=[1.6, 1.2, 0.9],
                              val_acc=[0.3, 0.4, 0.5]))
        curves.fig.canvas.draw()
        assert _labels(curves.ax_acc.yaxis) == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]
        loss_labels = _labels(curves.ax_loss.yaxis)
        assert all("," in label and "." not in label for label in loss_labels), loss_labels
        assert all("," not in label for label in _labels(curves.ax_loss.xaxis)), "épocas enteras, sin decimales"


def test_show_histories_draws_one_line_per_history_with_spanish_ticks():
    from course_utils.plots import show_histories
    from course_utils.training import History

    first = History(val_acc=[0.3, 0.45], seconds=[1.5, 3.0])
    second = History(val_acc=[0.5, 0.62], seconds=[2.0, 4.0])
    fig = show_histories({"SGD": first, "Adam": second})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["SGD", "Adam"]
    fig.canvas.draw()
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert "40 %" in labels and all("." not in label for label in labels)
    plt.close(fig)


def test_transfer_study_plot_shows_every_method_budget_and_seed():
    from course_utils.plots import show_transfer_study

    results = {
        "cabeza transferida": {5: [0.4, 0.5, 0.45], 50: [0.6, 0.62, 0.61]},
        "desde cero": {5: [0.3, 0.35, 0.4], 50: [0.65, 0.6, 0.7]},
        "otro": {5: [0.2], 50: [0.3]},
    }
    fig = show_transfer_study(results, chance=0.2)
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert sorted(labels) == sorted([f"{name} (media ± desv. típica)" for name in results] + ["azar"])
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.get_xticklabels()] == ["5", "50"]
    seeds = [line for line in ax.lines if line.get_linestyle() == "None" and line.get_marker() == "."]
    assert sum(len(line.get_ydata()) for line in seeds) == 14, "un punto por semilla"
    plt.close(fig)
    with pytest.raises(ValueError, match="Se esperaba un diccionario"):
        show_transfer_study({})


def test_show_schedule_draws_the_rate_and_the_momentum_of_every_step():
    from course_utils.plots import show_schedule

    rates, momenta = [0.001, 0.002, 0.0005], [0.95, 0.85, 0.9]
    fig = show_schedule(rates, momenta)
    assert [ax.get_title() for ax in fig.axes] == ["Tasa de aprendizaje", "Momento (beta1 de Adam)"]
    assert list(fig.axes[0].get_lines()[0].get_xdata()) == [1, 2, 3]
    assert list(fig.axes[1].get_lines()[0].get_ydata()) == pytest.approx(momenta)
    fig.canvas.draw()
    assert all("." not in tick.get_text() for tick in fig.axes[1].get_yticklabels()), "coma decimal"
    plt.close(fig)
    assert len(show_schedule(rates).axes) == 1
    plt.close("all")
    with pytest.raises(ValueError, match="un momento por paso \\(3\\), pero llegaron 2"):
        show_schedule(rates, momenta[:2])
    with pytest.raises(ValueError, match="tasa de aprendizaje finita por paso"):
        show_schedule([])


def _stage_maps() -> dict:
    """Mapas de una imagen como los que guardan los ganchos de la lección 05: (1, canales, alto, ancho)."""
    torch.manual_seed(0)
    return {"stem": torch.rand(1, 16, 32, 32), "stage1": torch.rand(1, 32, 16, 16), "stage3": torch.rand(1, 4, 4, 4)}


def test_feature_maps_show_the_most_active_channels_of_each_stage():
    from course_utils.plots import show_feature_maps

    maps = _stage_maps()
    maps["stem"][0, 7] += 5  # el canal 7 es el que más se activa: va el primero de su fila
    image = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    fig = show_feature_maps(image, maps, channels=3, title="Mapas")
    assert len(fig.axes) == 1 + 3 + 3 + 3, "la imagen y 3 canales por etapa"
    assert fig.axes[0].get_title() == "entrada" and fig._suptitle.get_text() == "Mapas"
    assert fig.axes[1].get_title() == "canal 7" and fig.axes[1].get_ylabel() == "stem\n16×32×32"
    assert fig.axes[7].get_ylabel() == "stage3\n4×4×4"
    plt.close(fig)
    fig = show_feature_maps(image.unsqueeze(0), {"stage3": maps["stage3"][0]}, channels=6)
    assert len(fig.axes) == 1 + 4, "con menos canales que `channels`, los que haya"
    plt.close(fig)


def test_feature_maps_reject_bad_inputs_in_spanish():
    from course_utils.plots import show_feature_maps

    image = torch.rand(3, 32, 32)
    with pytest.raises(ValueError, match="Se esperaba una sola imagen, pero llegaron 2"):
        show_feature_maps(torch.rand(2, 3, 32, 32), _stage_maps())
    with pytest.raises(ValueError, match="diccionario \\{etapa: mapa\\} no vacío"):
        show_feature_maps(image, {})
    with pytest.raises(ValueError, match="el mapa de «stem» de una sola imagen.*\\(8, 16, 32, 32\\)"):
        show_feature_maps(image, {"stem": torch.rand(8, 16, 32, 32)})
    with pytest.raises(ValueError, match="números reales finitos"):
        show_feature_maps(image, {"stem": torch.full((1, 2, 4, 4), float("nan"))})
    with pytest.raises(ValueError, match="channels debe ser al menos 1"):
        show_feature_maps(image, _stage_maps(), channels=0)


def test_saliency_shows_each_image_over_its_map_with_spanish_titles():
    from course_utils.plots import show_saliency

    images = BatchTransform()(torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8))
    saliency = torch.rand(3, 32, 32) * 1e-3  # gradientes pequeños: cada mapa se escala a su máximo
    fig = show_saliency(images, saliency, [0, 3, 9], torch.tensor([0, 5, 9]))
    assert len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert titles == ["real: avión\npred.: avión", "real: gato\npred.: perro", "real: camión\npred.: camión"]
    assert [ax.title.get_color() for ax in fig.axes[:3]] == ["green", "red", "green"]
    shown = fig.axes[3].get_images()[0].get_array()
    assert shown.max() == pytest.approx(1.0) and shown.min() >= 0
    plt.close(fig)


def test_saliency_rejects_maps_that_are_not_one_per_image():
    from course_utils.plots import show_saliency

    images = torch.rand(2, 3, 32, 32)
    with pytest.raises(ValueError, match=r"toma el máximo|el máximo sobre los canales, \.amax\(dim=1\)"):
        show_saliency(images, torch.rand(2, 3, 32, 32), [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"mapas\.squeeze\(1\)"):
        show_saliency(images, torch.rand(2, 1, 32, 32), [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"\(2, 32, 32\), pero llegó la forma \(2, 16, 16\)"):
        show_saliency(images, torch.rand(2, 16, 16), [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"no pueden ser negativos.*\.abs\(\)"):
        show_saliency(images, torch.randn(2, 32, 32), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="Hay 2 imágenes pero 3 predicciones"):
        show_saliency(images, torch.rand(2, 32, 32), [0, 1], [0, 1, 2])
