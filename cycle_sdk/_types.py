"""Types shared by the hand-written core and the generated code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, BinaryIO, Literal

from attrs import NOTHING, define


class Unset:
    """The type of UNSET: an argument the caller did not give (distinct from None, a JSON null)."""

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Unset = Unset()

FileContent = IO[bytes] | bytes | str
FileTypes = tuple[str | None, FileContent, str | None] | tuple[str | None, FileContent, str | None, Mapping[str, str]]
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """A file for a multipart upload."""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        return self.file_name, self.payload, self.mime_type


def model_repr(obj: object, *names: str) -> str:
    """A generated model's repr, as attrs writes it: `Name(a=1, b='x')`; a slot never set shows
    as NOTHING, as in attrs."""
    fields = ", ".join(f"{name}={getattr(obj, name, NOTHING)!r}" for name in names)
    return f"{obj.__class__.__qualname__.rsplit('>.', 1)[-1]}({fields})"


__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Unset", "model_repr"]
