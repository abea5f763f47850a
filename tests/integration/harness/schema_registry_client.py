"""The independent client of the schema formats' tests: Confluent's Python client
(confluent-kafka with its Schema Registry serializers, installed by scripts/setup --tests into
.cache/pyclients), run as a child process with that venv's Python:

  serialize URL TOPIC DATASET   registers the dataset's schemas (AvroSerializer, subject TOPIC-key
                                / TOPIC-value) and prints one JSON line per record:
                                {"key": HEX|null, "value": HEX|null}
  produce BOOTSTRAP TOPIC       produces the stdin's lines of that form, in order, to their
                                "partition" (0 when absent), with their "headers" ([[name, text]])
  decode BOOTSTRAP URL TOPIC [avro|json-schema [skip-undecodable]]
                                reads the topic from the beginning to its end and prints, per
                                record, {"partition", "offset", "key", "keySchemaId", "value",
                                "valueSchemaId"}: each field decoded by AvroDeserializer, then
                                written in Avro's JSON encoding by fastavro's JSON writer with the
                                writer's schema (null and bytes stay as the test harness writes them);
                                with skip-undecodable a record the deserializer refuses is printed
                                as {"partition", "offset", "undecodable": the exception's class}
  decode BOOTSTRAP URL TOPIC FMT python
                                the same records as Python objects, one JSON line each:
                                {"pickle": base64 of the pickled dict}, with "key" and "value" as
                                the deserializer gives them (AvroDeserializer's dicts, Decimal,
                                datetime, UUID; protobuf's json_format.MessageToDict of
                                ProtobufDeserializer's message; JSONDeserializer's object)
"""
import base64
import datetime
import decimal
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

UTC = datetime.timezone.utc

EVERY_TYPE = {
    "type": "record", "name": "Every", "namespace": "test.avro",
    "fields": [
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "s", "type": "string"},
        {"name": "raw", "type": "bytes"},
        {"name": "nothing", "type": "null"},
        {"name": "maybe", "type": ["null", "string"]},
        {"name": "either", "type": ["null", "long", "string"]},
        {"name": "inner", "type": {"type": "record", "name": "Inner",
                                   "fields": [{"name": "x", "type": "int"},
                                              {"name": "tags", "type": {"type": "array", "items": "string"}}]}},
        {"name": "maybe_inner", "type": ["null", "Inner"]},
        {"name": "list", "type": {"type": "array", "items": "long"}},
        {"name": "dict", "type": {"type": "map", "values": "double"}},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "amount", "type": {"type": "fixed", "name": "Amount", "size": 8, "logicalType": "decimal",
                                    "precision": 12, "scale": 3}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "at_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "clock", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    ],
}

KEY_SCHEMA = {"type": "record", "name": "Key", "namespace": "test.avro",
              "fields": [{"name": "tenant", "type": "string"}, {"name": "n", "type": "int"}]}


def every_type_value(n):
    return {
        "b": n % 2 == 0, "i": -2**31 if n == 1 else n * 7 - 3, "l": 2**63 - 1 if n == 2 else -n * 10**12,
        "f": 0.1 * n, "d": -1.5e300 if n == 3 else n / 3.0, "s": ["", "plain", "ünïcødé \"quoted\"\n", "emoji 🎉"][n % 4],
        "raw": bytes(range(n % 7, n % 7 + 5)) + b"\x00\xff", "nothing": None,
        "maybe": None if n % 2 else f"m{n}", "either": [None, n * 1000, f"s{n}"][n % 3],
        "inner": {"x": n, "tags": [f"t{j}" for j in range(n % 3)]},
        "maybe_inner": None if n % 3 == 0 else {"x": -n, "tags": ["a"]},
        "list": list(range(n % 4)), "dict": {f"k{j}": j * 0.5 for j in range(n % 3)},
        "color": ["RED", "GREEN", "BLUE"][n % 3], "hash": bytes([n, 255 - n, 0, 7]),
        "price": decimal.Decimal(f"{n * 123}.{n % 100:02d}").scaleb(0) * (-1 if n % 2 else 1),
        "amount": decimal.Decimal(f"{n * 98765}.{n % 1000:03d}"),
        "day": datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
        "at_ms": datetime.datetime(2026, 12, 5, 18, 0, tzinfo=UTC) + datetime.timedelta(milliseconds=n * 1234),
        "at_us": datetime.datetime(1999, 12, 31, 23, 59, tzinfo=UTC) + datetime.timedelta(microseconds=n * 7),
        "clock": datetime.time(n % 24, n % 60, 30, 123000),
        "id": str(uuid.UUID(int=n * 2**64 + n)),
    }


V1 = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"},
                                                    {"name": "item", "type": "string"}]}
V2 = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"},
                                                    {"name": "item", "type": "string"},
                                                    {"name": "qty", "type": "int", "default": 1}]}
OTHER = {"type": "record", "name": "Other", "fields": [{"name": "z", "type": "double"}]}


def dataset(name):
    """[(key_schema|None, key, value_schema, value)] of a dataset."""
    if name == "every-type":
        return [(KEY_SCHEMA, {"tenant": f"t{n % 3}", "n": n}, EVERY_TYPE, every_type_value(n)) for n in range(24)]
    if name == "two-versions":  # two compatible versions of one subject, interleaved
        return [(None, None, V2, {"id": n, "item": f"i{n}", "qty": n}) if n % 2 else
                (None, None, V1, {"id": n, "item": f"i{n}"}) for n in range(10)]
    if name == "many":  # for the crash test: two versions, ~40-byte values
        return [(None, None, V2, {"id": n, "item": f"item-{n:06d}-" + "x" * (n % 17), "qty": n % 9}) if n % 3 else
                (None, None, V1, {"id": n, "item": f"item-{n:06d}"}) for n in range(3000)]
    if name == "orders":
        return [(None, None, V1, {"id": n, "item": f"o{n}"}) for n in range(5)]
    if name == "other":
        return [(None, None, OTHER, {"z": 0.25})]
    raise SystemExit(f"unknown dataset {name}")


CUSTOMER = {"type": "record", "name": "Customer", "namespace": "com.example",
            "fields": [{"name": "name", "type": "string"}, {"name": "vip", "type": "boolean"}]}
WITH_REFERENCE = {"type": "record", "name": "Purchase", "namespace": "com.example",
                  "fields": [{"name": "who", "type": "Customer"}, {"name": "also", "type": ["null", "Customer"]},
                             {"name": "total", "type": "long"}]}


def serialize_with_reference(sr, topic):
    """Values of a schema that uses a type registered under a subject of its own (a reference)."""
    from confluent_kafka.schema_registry import Schema, SchemaReference
    subject = topic + "-customer"
    sr.register_schema(subject, Schema(json.dumps(CUSTOMER), "AVRO"))
    version = sr.get_latest_version(subject).version
    schema = Schema(json.dumps(WITH_REFERENCE), "AVRO",
                    references=[SchemaReference("com.example.Customer", subject, version)])
    ser = AvroSerializer(sr, schema)
    for n in range(4):
        value = {"who": {"name": f"c{n}", "vip": n % 2 == 0}, "also": None if n % 2 else {"name": "x", "vip": False},
                 "total": n * 100}
        print(json.dumps({"key": None, "value": ser(value, SerializationContext(topic, MessageField.VALUE)).hex()}))


JSON_SCHEMA = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Reading", "type": "object",
               "properties": {"sensor": {"type": "string"}, "value": {"type": "number"},
                              "tags": {"type": "array", "items": {"type": "string"}},
                              "at": {"type": ["null", "integer"]}},
               "required": ["sensor", "value"]}


def serialize_json_schema(sr, topic):
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    ser = JSONSerializer(json.dumps(JSON_SCHEMA), sr)
    for n in range(6):
        value = {"sensor": f"s-{n} \"ü\"\n", "value": n * 1.25, "tags": ["a"] * (n % 3), "at": None if n % 2 else n}
        print(json.dumps({"key": None, "value": ser(value, SerializationContext(topic, MessageField.VALUE)).hex()}))


PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "protobuf")


def proto_class(full_name):
    """The message class of shop.proto's `full_name`, from the descriptors protoc writes
    (Debian's protoc; the classes are made at run time, so no generated code is involved)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "shop.desc")
        subprocess.run(["protoc", "-I", PROTO_DIR, "--include_imports", "--descriptor_set_out=" + out, "shop.proto"],
                       check=True)
        with open(out, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))


def serialize_protobuf(sr, topic, name):
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    if name == "protobuf-orders":
        Order = proto_class("shop.Order")
        ser = ProtobufSerializer(Order, sr, {"use.deprecated.format": False})
        for n in range(8):
            order = Order(id=n * 10**12, customer=["", "ana", "bö \"b\""][n % 3], status=n % 3,
                          note=bytes([n, 0, 255]), weight=n / 4, gift=n % 2 == 1, delta=-n, checksum=2**64 - 1 - n,
                          ratio=0.1 * n)
            for j in range(n % 3):
                line = order.lines.add(sku=f"sku-{j}", qty=j + 1)
                line.price.currency, line.price.units, line.price.nanos = "EUR", j * 3, 500_000_000
            for j in range(n % 2 + 1):
                order.labels[f"k{j}"] = f"v{n}"
            if n % 3 == 1:
                order.card = "4111"
            elif n % 3 == 2:
                order.voucher.currency, order.voucher.units = "USD", n
            value = ser(order, SerializationContext(topic, MessageField.VALUE))
            print(json.dumps({"key": None, "value": value.hex()}))
    elif name == "protobuf-refunds":  # the file's second message, and a message nested in it
        Refund = proto_class("shop.Refund")
        Reason = proto_class("shop.Refund.Reason")
        refunds = ProtobufSerializer(Refund, sr, {"use.deprecated.format": False})
        reasons = ProtobufSerializer(Reason, sr, {"use.deprecated.format": False,
                                                  "subject.name.strategy": lambda ctx, name: ctx.topic + "-reason"})
        for n in range(4):
            if n % 2:
                value = reasons(Reason(code=f"r{n}", details=["late"] * n), SerializationContext(topic, MessageField.VALUE))
            else:
                refund = Refund(order_id=n, reason=Refund.Reason(code="damaged"))
                refund.amount.currency, refund.amount.units = "EUR", n
                value = refunds(refund, SerializationContext(topic, MessageField.VALUE))
            print(json.dumps({"key": None, "value": value.hex()}))
    else:
        raise SystemExit(f"unknown dataset {name}")


def serialize(url, topic, name):
    sr = SchemaRegistryClient({"url": url})
    if name.startswith("protobuf-"):
        return serialize_protobuf(sr, topic, name)
    if name == "with-reference":
        return serialize_with_reference(sr, topic)
    if name == "json-schema":
        return serialize_json_schema(sr, topic)
    serializers = {}

    def ser(schema, obj, field):
        if schema is None:
            return None
        k = (json.dumps(schema, sort_keys=True), field)
        if k not in serializers:
            serializers[k] = AvroSerializer(sr, json.dumps(schema))
        return serializers[k](obj, SerializationContext(topic, field)).hex()

    for key_schema, key, value_schema, value in dataset(name):
        print(json.dumps({"key": ser(key_schema, key, MessageField.KEY),
                          "value": ser(value_schema, value, MessageField.VALUE)}))


def produce(bootstrap, topic):
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for line in sys.stdin:
        r = json.loads(line)
        key = bytes.fromhex(r["key"]) if r.get("key") is not None else None
        value = bytes.fromhex(r["value"]) if r.get("value") is not None else None
        headers = [(name, text.encode()) for name, text in r.get("headers", [])]
        p.produce(topic, value=value, key=key, partition=r.get("partition", 0), headers=headers or None)
    if p.flush(60) != 0:
        raise SystemExit("records left unsent")


def avro_json(sr, schema_id, obj):
    """obj (as AvroDeserializer returns it) in Avro's JSON encoding, by fastavro's writer."""
    from fastavro import json_writer, parse_schema
    registered, named = sr.get_schema(schema_id), {}
    for ref in registered.references or []:  # named types of other subjects, defined first
        parse_schema(json.loads(sr.get_version(ref.subject, ref.version).schema.schema_str), named)
    schema = parse_schema(json.loads(registered.schema_str), named)
    out = io.StringIO()
    json_writer(out, schema, [obj])
    return json.loads(out.getvalue())


def decode(bootstrap, url, topic, fmt="avro", mode=""):
    """mode: "" (JSON), "python" (pickled objects) or "skip-undecodable" (JSON, refused records named)."""
    objects = "python" if mode == "python" else None
    skip = mode
    sr = SchemaRegistryClient({"url": url})
    if fmt == "protobuf":  # shop.proto's message that the message indexes name
        from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
        from google.protobuf import descriptor_pb2, json_format
        file = descriptor_pb2.FileDescriptorProto.FromString(proto_class("shop.Order").DESCRIPTOR.file.serialized_pb)

        def message_of(data):
            pos, values = 5, []
            while len(values) < 1 + (values[0] if values else 0):
                raw, shift = 0, 0
                while True:
                    b = data[pos]
                    pos += 1
                    raw |= (b & 0x7F) << shift
                    shift += 7
                    if not b & 0x80:
                        break
                values.append((raw >> 1) ^ -(raw & 1))
                if values == [0]:
                    values = [1, 0]
            names, types = [file.package], file.message_type
            for index in values[1:]:
                names.append(types[index].name)
                types = types[index].nested_type
            return ".".join(names)

        def deserialize(data, ctx):
            return ProtobufDeserializer(proto_class(message_of(data)), {"use.deprecated.format": False})(data, ctx)
        deserializer = deserialize
        to_json = lambda sr, schema_id, obj: json.loads(json_format.MessageToJson(obj))
        if objects == "python":
            to_json = lambda sr, schema_id, obj: json_format.MessageToDict(obj)
    elif fmt == "json-schema":
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer
        deserializer, to_json = JSONDeserializer(None, schema_registry_client=sr), lambda sr, schema_id, obj: obj
    else:
        deserializer, to_json = AvroDeserializer(sr), avro_json
        if objects == "python":
            to_json = lambda sr, schema_id, obj: obj
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "independent-" + uuid.uuid4().hex,
                  "enable.auto.commit": False})
    md = c.list_topics(topic, timeout=30).topics[topic]
    ends = {}
    for p in md.partitions:
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        if high > low:
            ends[p] = high
    c.assign([TopicPartition(topic, p, 0) for p in ends])
    left = dict(ends)
    while left:
        m = c.poll(30)
        if m is None:
            raise SystemExit(f"no record within 30 s; still expected {left}")
        if m.error():
            raise SystemExit(str(m.error()))
        out = {"partition": m.partition(), "offset": m.offset()}
        for field, data, mf in (("key", m.key(), MessageField.KEY), ("value", m.value(), MessageField.VALUE)):
            if data is None:
                out[field] = None
                continue
            schema_id = int.from_bytes(data[1:5], "big")
            try:
                obj = deserializer(data, SerializationContext(topic, mf))
            except Exception as e:
                if skip != "skip-undecodable":
                    raise
                out = {"partition": m.partition(), "offset": m.offset(), "undecodable": type(e).__name__}
                break
            out[field] = to_json(sr, schema_id, obj)
            out[field + "SchemaId"] = schema_id
        if objects == "python":
            print(json.dumps({"pickle": base64.b64encode(pickle.dumps(out)).decode()}))
        else:
            print(json.dumps(out))
        if m.offset() + 1 >= ends[m.partition()]:
            left.pop(m.partition(), None)
    c.close()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serialize": serialize, "produce": produce, "decode": decode}[cmd](*args)
