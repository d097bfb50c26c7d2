"""Uploaded documents: the type is read from the content (magic bytes), not from the name or
the browser's claim, and the size is limited before anything is stored."""

from typing import Any

import filetype
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError

from .definitions import DocumentSpec


def sniff_upload(upload: Any, spec: DocumentSpec) -> tuple[bytes, str]:
    """Read an upload (a Django UploadedFile or bytes); return its content and real type."""
    limit = int(spec.max_mb * 1024 * 1024)
    size = upload.size if hasattr(upload, "size") else len(upload)
    if size > limit:
        raise DomainError(
            "file_too_large", _("The file is larger than %(mb)s MB."), mb=f"{spec.max_mb:g}"
        )
    content = upload.read() if hasattr(upload, "read") else bytes(upload)
    if len(content) > limit:
        raise DomainError(
            "file_too_large", _("The file is larger than %(mb)s MB."), mb=f"{spec.max_mb:g}"
        )
    if not content:
        raise DomainError("file_empty", _("The file is empty."))
    kind = filetype.guess(content)
    if kind is None or kind.mime not in spec.content_types:
        raise DomainError(
            "file_type",
            _("This file is not one of the accepted kinds (%(kinds)s)."),
            kinds=", ".join(t.split("/")[-1].upper() for t in spec.content_types),
        )
    return content, kind.mime
