"""bench: the avro section's data, produced by an independent client (Confluent's Python client
from the tests' venv, scripts/setup): N page views as Avro values of about 100 B in the Schema
Registry wire format (AvroSerializer registers the schema under TOPIC-value and writes the
5-byte header; the first 200,000 distinct, then repeated), and the same N records as text
values of the same sizes, record by record, into a second topic (what the files sink reads as `bytes`). Prints one JSON line: the schema id,
the schema, the records and the value bytes of each topic.

    python produce.py BOOTSTRAP REGISTRY_URL AVRO_TOPIC BYTES_TOPIC RECORDS
"""
import json
import sys

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

SCHEMA = {"type": "record", "name": "PageView", "namespace": "bench.avro", "fields": [
    {"name": "user", "type": "string"},
    {"name": "page", "type": "string"},
    {"name": "country", "type": "string"},
    {"name": "session", "type": "int"},
    {"name": "duration_ms", "type": "int"},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "amount", "type": "double"},
    {"name": "referrer", "type": ["null", "string"], "default": None},
]}
COUNTRIES = ["DE", "FR", "US", "BR", "JP", "IN", "NG", "SE"]
REFERRERS = [None, "https://www.example.com/search?q=shoes", None, "https://news.example.org/"]
# Serializing in Python is the slow part (~40 us a record here): beyond DISTINCT records the values
# repeat, in the same order. Decoding costs the same for a repeated value.
DISTINCT = 200_000
LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def page_view(n):
    return {"user": "user-%07d" % (n * 7919 % 1_000_003), "page": "/shop/category-%02d/product-%06d.html" % (n % 37, n % 500_009),
            "country": COUNTRIES[n % len(COUNTRIES)], "session": n // 17, "duration_ms": n * 31 % 60_000,
            "at": 1_796_000_000_000 + n * 13, "amount": (n % 10_000) / 100.0, "referrer": REFERRERS[n % 4]}


PATTERN = LETTERS * 8


def text_of(n, size):
    """`size` printable bytes (nothing to escape in JSON), different from record to record."""
    head = b"%d-" % n
    return (head + PATTERN[n % len(LETTERS):n % len(LETTERS) + size])[:size]


def produce_all(producer, topic, values):
    for v in values:
        while True:
            try:
                producer.produce(topic, v)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer.flush(120) != 0:
        raise SystemExit("could not deliver every record to " + topic)


def main():
    bootstrap, registry, avro_topic, bytes_topic, records = sys.argv[1:6]
    records = int(records)
    sr = SchemaRegistryClient({"url": registry})
    ser = AvroSerializer(sr, json.dumps(SCHEMA))
    ctx = SerializationContext(avro_topic, MessageField.VALUE)
    failed = []
    conf = {"bootstrap.servers": bootstrap, "acks": "1", "linger.ms": 20, "batch.num.messages": 10000,
            "queue.buffering.max.messages": 1_000_000, "compression.type": "none",
            "on_delivery": lambda err, msg: err and failed.append(err)}
    producer = Producer(conf)
    sizes = []

    pool = []

    def avro_values():
        for n in range(records):
            if n < DISTINCT:
                pool.append(ser(page_view(n), ctx))
            v = pool[n % DISTINCT]
            sizes.append(len(v))
            yield v

    produce_all(producer, avro_topic, avro_values())
    produce_all(producer, bytes_topic, (text_of(n, sizes[n]) for n in range(records)))
    if failed:
        raise SystemExit("delivery failed: %s" % failed[0])
    schema_id = int.from_bytes(ser(page_view(0), ctx)[1:5], "big")
    print(json.dumps({"schema_id": schema_id, "schema": SCHEMA, "records": records, "value_bytes": sum(sizes),
                      "min_value_bytes": min(sizes), "max_value_bytes": max(sizes)}))


if __name__ == "__main__":
    main()
