"""Exceptions of mini-HDFS, named after their Hadoop counterparts.

They travel over RPC by class name (never pickled): the server sends
``{"exc": "FileNotFoundException", "msg": ...}`` and the client re-raises the
class of that name from :data:`EXCEPTIONS`, or plain :class:`HdfsIOException`.
"""
from __future__ import annotations


class HdfsIOException(IOError):
    """Base class of every mini-HDFS error (Hadoop's ``java.io.IOException``)."""

    #: Java class name reported in WebHDFS ``RemoteException`` JSON.
    java_class = "java.io.IOException"
    #: HTTP status used by WebHDFS (Hadoop maps IOException to 403).
    http_status = 403


class FileNotFoundException(HdfsIOException, FileNotFoundError):
    """A path that must exist does not."""

    java_class = "java.io.FileNotFoundException"
    http_status = 404


class FileAlreadyExistsException(HdfsIOException, FileExistsError):
    """Creating a path that already exists (without overwrite)."""

    java_class = "org.apache.hadoop.fs.FileAlreadyExistsException"


class ParentNotDirectoryException(HdfsIOException):
    """A path component that must be a directory is a file."""

    java_class = "org.apache.hadoop.fs.ParentNotDirectoryException"


class PathIsNotEmptyDirectoryException(HdfsIOException):
    """Non-recursive delete of a non-empty directory."""

    java_class = "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"


class AccessControlException(HdfsIOException, PermissionError):
    """Permission denied, or the caller could not be authenticated."""

    java_class = "org.apache.hadoop.security.AccessControlException"


class AuthenticationException(AccessControlException):
    """The shared-secret handshake or a WebHDFS token failed."""

    java_class = "org.apache.hadoop.security.authentication.client.AuthenticationException"
    http_status = 401


class SafeModeException(HdfsIOException):
    """A namespace change was attempted while the NameNode is in safe mode."""

    java_class = "org.apache.hadoop.hdfs.server.namenode.SafeModeException"


class ChecksumException(HdfsIOException):
    """Block data does not match its stored CRC."""

    java_class = "org.apache.hadoop.fs.ChecksumException"


class BlockMissingException(HdfsIOException):
    """No DataNode could serve a block."""

    java_class = "org.apache.hadoop.hdfs.BlockMissingException"


class AlreadyBeingCreatedException(HdfsIOException):
    """Another client holds the lease on a file under construction."""

    java_class = "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException"


class LeaseExpiredException(HdfsIOException):
    """The writer's lease on a file is gone (file closed or deleted meanwhile)."""

    java_class = "org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException"


class NotReplicatedYetException(HdfsIOException):
    """The previous block has not reached minimal replication yet."""

    java_class = "org.apache.hadoop.hdfs.server.namenode.NotReplicatedYetException"


class IllegalArgumentException(HdfsIOException, ValueError):
    """Bad argument (bad path, bad replication, unknown operation...)."""

    java_class = "java.lang.IllegalArgumentException"
    http_status = 400


class UnsupportedOperationException(HdfsIOException):
    """Operation the server knows of but does not implement."""

    java_class = "java.lang.UnsupportedOperationException"
    http_status = 400


class StandbyOrUnavailableException(HdfsIOException, ConnectionError):
    """The NameNode or DataNode could not be reached."""

    java_class = "java.net.ConnectException"


EXCEPTIONS: dict[str, type[HdfsIOException]] = {
    cls.__name__: cls
    for cls in (
        HdfsIOException, FileNotFoundException, FileAlreadyExistsException,
        ParentNotDirectoryException, PathIsNotEmptyDirectoryException,
        AccessControlException, AuthenticationException, SafeModeException,
        ChecksumException, BlockMissingException, AlreadyBeingCreatedException,
        LeaseExpiredException, NotReplicatedYetException, IllegalArgumentException,
        UnsupportedOperationException, StandbyOrUnavailableException,
    )
}
EXCEPTIONS["IOException"] = HdfsIOException


def exception_from_wire(name: str, message: str) -> HdfsIOException:
    """Rebuild an exception sent by a server as ``(class name, message)``."""
    return EXCEPTIONS.get(name, HdfsIOException)(message)


def exception_name(exc: BaseException) -> str:
    """Wire name of an exception: its class name, ``IOException`` for foreign ones."""
    if isinstance(exc, HdfsIOException):
        return "IOException" if type(exc) is HdfsIOException else type(exc).__name__
    if isinstance(exc, (ValueError, TypeError, KeyError)):
        return "IllegalArgumentException"
    return "IOException"
