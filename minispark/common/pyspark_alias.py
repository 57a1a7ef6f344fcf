"""``import pyspark...`` resolving to minispark's own modules, in this process.

An import hook first on ``sys.meta_path`` answers every ``pyspark`` and
``pyspark.X.Y`` import with the module ``minispark`` / ``minispark.X.Y`` itself
(the same object, so ``pyspark.SparkContext is minispark.SparkContext`` and
closures pickle by minispark's names). Being first, it wins over a real
pyspark installed in the same environment. A pyspark module minispark has no
counterpart for fails to import with ``ModuleNotFoundError`` naming it; the
real pyspark is never mixed in.

The driver installs it through :func:`minispark.activate`; executors install
it at start when :data:`ENV_FLAG` is set, or on the driver's control message.

>>> import minispark.rdd
>>> _AliasFinder().find_spec("pyspark.rdd").loader_state[0] is minispark.rdd
True
>>> _AliasFinder().find_spec("numpy") is None
True
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import warnings
from types import ModuleType

#: Set (to "1") in the environment of executors whose tasks may import pyspark.
ENV_FLAG = "MINISPARK_PYSPARK_ALIAS"

_ALIAS = "pyspark"
_TARGET = "minispark"


def _aliased(fullname: str) -> bool:
    return fullname == _ALIAS or fullname.startswith(_ALIAS + ".")


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``pyspark.X`` as the already-imported module ``minispark.X``."""

    def find_spec(self, fullname: str, path=None, target=None):  # noqa: ANN001 - importlib's API
        if not _aliased(fullname):
            return None
        real_name = _TARGET + fullname[len(_ALIAS):]
        try:
            module = importlib.import_module(real_name)
        except ModuleNotFoundError as exc:
            if not (real_name + ".").startswith(f"{exc.name}."):
                raise  # the minispark module exists but one of its own imports failed
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: minispark.activate() maps pyspark to "
                f"minispark, which has no {real_name!r}", name=fullname) from None
        spec = importlib.machinery.ModuleSpec(fullname, self,
                                              is_package=hasattr(module, "__path__"))
        spec.loader_state = (module, module.__spec__)
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return spec.loader_state[0]

    def exec_module(self, module: ModuleType) -> None:
        # the import system stamped the alias's spec on minispark's module;
        # give it back its own, which reload() and runpy rely on
        module.__spec__ = module.__spec__.loader_state[1]


def install() -> None:
    """Make ``pyspark`` imports resolve to minispark in this process (idempotent).

    A real pyspark imported before is dropped from ``sys.modules`` with a
    warning: later imports get minispark, while names bound earlier still
    refer to the real one.
    """
    for finder in [f for f in sys.meta_path if isinstance(f, _AliasFinder)]:
        sys.meta_path.remove(finder)
    sys.meta_path.insert(0, _AliasFinder())
    foreign = [name for name, module in sys.modules.items()
               if _aliased(name) and not _is_minispark(module)]
    if foreign:
        warnings.warn("minispark.activate(): pyspark was imported before; later imports of "
                      "pyspark get minispark, names bound earlier still refer to the real "
                      "pyspark", RuntimeWarning, stacklevel=3)
        for name in foreign:
            del sys.modules[name]


def install_if_requested() -> None:
    """In an executor: install the alias if the driver asked for it (:data:`ENV_FLAG`)."""
    if os.environ.get(ENV_FLAG) == "1":
        install()


def _is_minispark(module: object) -> bool:
    name = getattr(module, "__name__", "")
    return name == _TARGET or name.startswith(_TARGET + ".")
