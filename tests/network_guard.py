"""Guardia de red de las pruebas: nada sale de la máquina salvo al propio ordenador (loopback).

Las pruebas se ejecutan sin conexión, como en el portátil de un alumno sin red. `conftest.py` instala esta guardia
en el proceso de pytest y, con un archivo de arranque de IPython, en cada kernel que lancen nbval o JupyterLab.
Un intento de conexión a otra máquina (resolver un nombre que no es local o conectarse a una dirección que no es
de loopback) no llega a salir: falla como falla sin red (``socket.gaierror`` o ``OSError``) y queda anotado en el
archivo de ``COURSE_TEST_NETWORK_LOG``. `conftest.py` lee esas anotaciones después de cada prueba y da por fallida
la prueba que intentó usar la red, aunque el código atrapara el error y siguiera como si nada.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

LOG_ENV = "COURSE_TEST_NETWORK_LOG"
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_ORIGINAL = {
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
}
attempts: list[str] = []  # los intentos de este proceso (el de pytest los lee sin pasar por el archivo)


def is_local(host: object) -> bool:
    """True si ``host`` es este mismo ordenador: loopback, la dirección sin especificar o un nombre local."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(host: object, port: object, error: OSError) -> OSError:
    """Anota el intento (en la lista y en el archivo del registro) y devuelve el error que verá quien llamó."""
    where = f"{host}:{port}" if port not in (None, "") else str(host)
    attempts.append(where)
    log = os.environ.get(LOG_ENV)
    if log:
        try:
            with open(log, "a", encoding="utf-8") as file:
                file.write(f"{where}\n")
        except OSError:
            pass
    return error


def _no_name(host: object, port: object = None) -> socket.gaierror:
    return _refuse(host, port, socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution (sin red)"))


def _getaddrinfo(host, port, *args, **kwargs):
    if not is_local(host):
        raise _no_name(host, port)
    return _ORIGINAL["getaddrinfo"](host, port, *args, **kwargs)


def _gethostbyname(host):
    if not is_local(host):
        raise _no_name(host)
    return _ORIGINAL["gethostbyname"](host)


def _gethostbyname_ex(host):
    if not is_local(host):
        raise _no_name(host)
    return _ORIGINAL["gethostbyname_ex"](host)


def _remote(self: socket.socket, address: object) -> tuple[object, object] | None:
    """(máquina, puerto) si la dirección de ``connect`` es de otra máquina; None si es local o un socket Unix."""
    if self.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple) or not address:
        return None
    host, port = address[0], address[1] if len(address) > 1 else None
    return None if is_local(host) else (host, port)


def _connect(self, address):
    remote = _remote(self, address)
    if remote:
        raise _refuse(*remote, OSError(errno.ENETUNREACH, "Network is unreachable (sin red)"))
    return _ORIGINAL["connect"](self, address)


def _connect_ex(self, address):
    remote = _remote(self, address)
    if remote:
        _refuse(*remote, OSError())
        return errno.ENETUNREACH
    return _ORIGINAL["connect_ex"](self, address)


def install() -> None:
    """Cambia las funciones de red de ``socket`` por las de la guardia (dos veces seguidas no hace nada más)."""
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname
    socket.gethostbyname_ex = _gethostbyname_ex
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex


def installed() -> bool:
    """True si la guardia está puesta en este proceso."""
    return socket.getaddrinfo is _getaddrinfo and socket.socket.connect is _connect


# Lo que ejecuta cada kernel de IPython al arrancar (en su espacio de nombres: no deja nada en él).
STARTUP = '''\
def _instalar_guardia_de_red():
    import importlib.util
    spec = importlib.util.spec_from_file_location("_guardia_de_red", {path!r})
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    modulo.install()


_instalar_guardia_de_red()
del _instalar_guardia_de_red
'''


def write_ipython_startup(ipython_dir: str) -> None:
    """Crea en ``ipython_dir`` un perfil de IPython cuyo arranque instala la guardia en cada kernel."""
    startup = os.path.join(ipython_dir, "profile_default", "startup")
    os.makedirs(startup, exist_ok=True)
    with open(os.path.join(startup, "00-sin-red.py"), "w", encoding="utf-8") as file:
        file.write(STARTUP.format(path=os.path.abspath(__file__)))
