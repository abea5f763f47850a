"""bench: the avro section's Spark peer. Spark Structured Streaming reads the topic with its Kafka
source (spark-sql-kafka-0-10), strips the Schema Registry header (magic byte and 4-byte schema
id: from_avro reads bare Avro), decodes the value with spark-avro's from_avro and the writer's
schema, and writes JSON Lines with the record's topic, partition, offset, timestamp, key, decoded
value and schema id, as the files sink does. Runs what the topic holds, then stops (trigger
availableNow).

    python spark_avro.py BOOTSTRAP TOPIC OUT_DIR CHECKPOINT_DIR SCHEMA_JSON SCHEMA_ID JARS THREADS [MAX_OFFSETS]
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.avro.functions import from_avro

bootstrap, topic, out, checkpoint, schema, schema_id, jars, threads = sys.argv[1:9]
max_offsets = sys.argv[9] if len(sys.argv) > 9 else None
spark = (SparkSession.builder.master("local[%s]" % threads).appName("bench-avro")
         .config("spark.jars", jars)  # fetched by scripts/pyspark-fetch (no download here)
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("WARN")
source = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic)
          .option("startingOffsets", "earliest"))
if max_offsets:
    source = source.option("maxOffsetsPerTrigger", max_offsets)
records = source.load()
decoded = records.select(
    "topic", "partition", "offset", F.unix_millis("timestamp").alias("timestamp"),
    F.col("timestampType"), F.col("key").cast("string").alias("key"),
    from_avro(F.expr("substring(value, 6)"), schema).alias("value"),
    F.lit(int(schema_id)).alias("valueSchemaId"))
query = (decoded.writeStream.format("json").option("path", out)
         .option("ignoreNullFields", "false").option("checkpointLocation", checkpoint)
         .trigger(availableNow=True).start())
query.awaitTermination()
spark.stop()
