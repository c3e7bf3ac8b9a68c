"""Pasada de portabilidad: vuelve a ejecutar nbval sobre los cuadernos con PyTorch limitado a instrucciones más
antiguas que las de esta CPU, como en el portátil de otra persona.

Para cada nivel por debajo del de esta máquina (`default`, los núcleos genéricos; y `avx2` si la CPU tiene
AVX-512), fija ATEN_CPU_CAPABILITY para los núcleos de PyTorch, MKL_ENABLE_INSTRUCTIONS para MKL (las
multiplicaciones de matrices) y ONEDNN_MAX_CPU_ISA para oneDNN (las convoluciones), y ejecuta nbval. Falla si
alguna salida comparada cambia. Lo ejecutan `make portabilidad` y CI (solo con `default`, el nivel más alejado,
para que CI quepa en 15 minutos: PORTABILIDAD_NIVELES=default):

    [PORTABILIDAD_NIVELES=default,avx2] python tests/portability.py [argumentos extra de pytest]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
# Nivel de PyTorch → (ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS, ONEDNN_MAX_CPU_ISA)
LEVELS = {"default": ("default", "SSE4_2", "SSE41"), "avx2": ("avx2", "AVX2", "AVX2")}
LOWER_LEVELS = {"AVX512": ["default", "avx2"], "AVX2": ["default"]}


def levels_below(capability: str) -> list[str]:
    """Niveles más antiguos que el de esta CPU (tal como lo nombra torch.backends.cpu.get_cpu_capability())."""
    return LOWER_LEVELS.get(capability.upper(), [])


def chosen_levels(capability: str, wanted: str | None) -> list[str]:
    """Los niveles por debajo de esta CPU; con ``wanted`` («default,avx2»), solo los que nombra."""
    levels = levels_below(capability)
    if not wanted:
        return levels
    names = [name.strip().lower() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in LEVELS]
    if unknown:
        raise SystemExit(f"PORTABILIDAD_NIVELES: niveles desconocidos {unknown}; los que hay son {sorted(LEVELS)}.")
    return [level for level in levels if level in names]


def main(extra: list[str]) -> int:
    capability = torch.backends.cpu.get_cpu_capability()
    levels = chosen_levels(capability, os.environ.get("PORTABILIDAD_NIVELES"))
    print(f"CPU de esta máquina: {capability}; pasadas de portabilidad: {', '.join(levels) or 'ninguna'}")
    failed = []
    for level in levels:
        aten, mkl, onednn = LEVELS[level]
        env = {**os.environ, "ATEN_CPU_CAPABILITY": aten, "MKL_ENABLE_INSTRUCTIONS": mkl, "ONEDNN_MAX_CPU_ISA": onednn}
        print(f"\n=== nbval con ATEN_CPU_CAPABILITY={aten} MKL_ENABLE_INSTRUCTIONS={mkl} ONEDNN_MAX_CPU_ISA={onednn}",
              flush=True)
        # Una sola vez cada celda: repetirlas (--rerun-cells) ya lo hace make test, y no depende de la CPU.
        once = ["--no-rerun-cells"]
        command = [sys.executable, "-m", "pytest", "notebooks", "-q", "-p", "no:cacheprovider", *once, *extra]
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            failed.append(level)
    if failed:
        print(f"\nLas salidas comparadas cambian con: {', '.join(failed)}. Imprime valores redondeados o "
              "compáralos con torch.allclose (README, «Para quien contribuye»).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
