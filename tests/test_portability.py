"""La pasada de portabilidad elige los niveles de CPU por debajo del de la máquina."""

from portability import levels_below


def test_levels_below_each_cpu():
    assert levels_below("AVX512") == ["default", "avx2"]
    assert levels_below("AVX2") == ["default"]
    assert levels_below("DEFAULT") == []

