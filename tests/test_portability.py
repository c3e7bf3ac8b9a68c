"""La pasada de portabilidad elige los niveles de CPU por debajo del de la máquina."""

import pytest
from portability import chosen_levels, levels_below


def test_levels_below_each_cpu():
    assert levels_below("AVX512") == ["default", "avx2"]
    assert levels_below("AVX2") == ["default"]
    assert levels_below("DEFAULT") == []



def test_the_levels_can_be_narrowed_but_never_above_the_cpu():
    assert chosen_levels("AVX512", None) == ["default", "avx2"]
    assert chosen_levels("AVX512", "default") == ["default"]
    assert chosen_levels("AVX2", " AVX2 , default") == ["default"], "avx2 no está por debajo de una CPU AVX2"
    with pytest.raises(SystemExit, match="niveles desconocidos"):
        chosen_levels("AVX512", "sse9")
