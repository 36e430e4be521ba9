"""The few ONNX protobuf messages kb writes, encoded by hand (protobuf's wire format).

Writing one graph per index does not justify the `onnx` package (31 MB with ml_dtypes, a tenth
of the default install): a model is nested length-delimited messages of strings, integers and
floats. Field numbers are onnx.proto's (onnx 1.16, IR version 8); tests/test_parity.py reads the
result back with the `onnx` package when it is installed, and onnxruntime loads it in every build.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

# TensorProto.DataType
FLOAT = 1
INT64 = 7
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7
# TensorProto.DataLocation
_EXTERNAL = 1


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s are sent as their two's complement, 10 bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def _many(field: int, messages: Iterable[bytes]) -> bytes:
    return b"".join(_bytes(field, m) for m in messages)


def tensor(name: str, data_type: int, dims: Sequence[int], raw: bytes) -> bytes:
    """TensorProto with its bytes inside (little-endian, as raw_data is)."""
    return b"".join(_int(1, d) for d in dims) + _int(2, data_type) + _bytes(8, name) + _bytes(9, raw)


def int64_tensor(name: str, values: Sequence[int], dims: Sequence[int] | None = None) -> bytes:
    raw = struct.pack(f"<{len(values)}q", *values)
    return tensor(name, INT64, [len(values)] if dims is None else dims, raw)


def float_tensor(name: str, values: Sequence[float], dims: Sequence[int] | None = None) -> bytes:
    raw = struct.pack(f"<{len(values)}f", *values)
    return tensor(name, FLOAT, [len(values)] if dims is None else dims, raw)


def external_tensor(name: str, dims: Sequence[int], location: str, offset: int, length: int) -> bytes:
    """A float32 TensorProto whose bytes lie in file `location` (beside the model) at `offset`."""
    entries = [_bytes(1, key) + _bytes(2, value)
               for key, value in (("location", location), ("offset", str(offset)), ("length", str(length)))]
    return (b"".join(_int(1, d) for d in dims) + _int(2, FLOAT) + _bytes(8, name)
            + _many(13, entries) + _int(14, _EXTERNAL))


def attribute(name: str, value: int | float | Sequence[int]) -> bytes:
    if isinstance(value, float):
        return _bytes(1, name) + _float(2, value) + _int(20, _ATTR_FLOAT)
    if isinstance(value, int):
        return _bytes(1, name) + _int(3, value) + _int(20, _ATTR_INT)
    return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], name: str, **attrs) -> bytes:
    return (b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
            + _bytes(3, name) + _bytes(4, op_type)
            + _many(5, (attribute(k, v) for k, v in sorted(attrs.items()))))


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    """ValueInfoProto of a tensor; a str in `shape` is a named (dynamic) dimension."""
    dims = [_int(1, d) if isinstance(d, int) else _bytes(2, d) for d in shape]
    tensor_type = _int(1, elem_type) + _bytes(2, _many(1, dims))
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes: Sequence[bytes], initializers: Sequence[bytes], inputs: Sequence[bytes],
          outputs: Sequence[bytes], *, graph_name: str, opset: int, ir_version: int,
          producer: str) -> bytes:
    """A serialised ModelProto with one graph and the default ("ai.onnx") operator set."""
    graph = (_many(1, nodes) + _bytes(2, graph_name) + _many(5, initializers)
             + _many(11, inputs) + _many(12, outputs))
    opset_import = _bytes(1, "") + _int(2, opset)
    return _int(1, ir_version) + _bytes(2, producer) + _bytes(7, graph) + _bytes(8, opset_import)
