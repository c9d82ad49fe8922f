"""Name -> component registries. Adding an entry is the whole extension: the config
validator takes its allowed names from here."""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

# every registry, and the extension being imported now (dltips.extensions), so that each entry
# knows where it came from (the study's provenance lists what each extension registered)
REGISTRIES: list["Registry"] = []
_loading: list[str] = []


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self.origins: dict[str, str] = {}  # name -> the extension that registered it
        REGISTRIES.append(self)

    def register(self, name: str, entry: T | None = None):
        """Register `entry` under `name`; without `entry`, use as a decorator."""
        if entry is not None:
            self._add(name, entry)
            return entry

        def decorate(obj: T) -> T:
            self._add(name, obj)
            return obj

        return decorate

    def _add(self, name: str, entry: T) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        if _loading:
            self.origins[name] = _loading[-1]

    def unregister(self, name: str) -> None:
        del self._entries[name]
        self.origins.pop(name, None)

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(
                f"unknown {self.kind} {name!r}; allowed: {', '.join(self.names())}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self):
        return self._entries.items()



class loading:
    """While an extension is imported, what it registers is recorded as its own."""

    def __init__(self, extension: str):
        self.extension = extension

    def __enter__(self):
        _loading.append(self.extension)

    def __exit__(self, *exc):
        _loading.pop()


def registered_by(extension: str) -> dict[str, list[str]]:
    """kind -> the names `extension` registered (kinds it registered nothing of are absent)."""
    out = {}
    for registry in REGISTRIES:
        names = [name for name, origin in registry.origins.items() if origin == extension]
        if names:
            out.setdefault(registry.kind, []).extend(names)
    return out
