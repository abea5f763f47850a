"""bench: the same count in PySpark Structured Streaming: the Kafka source (spark-sql-kafka-0-10),
foreachBatch grouping each batch by key (count, sum of value lengths) and adding the result
into a dict on the driver, as count_foreach.py does. Runs what the topic holds, then stops
(trigger availableNow), and writes the counts as JSON.

    python pyspark_count.py BOOTSTRAP TOPIC OUT.json CHECKPOINT_DIR MAX_OFFSETS_PER_TRIGGER JARS THREADS
"""
import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

bootstrap, topic, out, checkpoint, max_offsets, jars, threads = sys.argv[1:8]
spark = (SparkSession.builder.master("local[%s]" % threads).appName("bench-count")
         .config("spark.jars", jars)  # the Kafka source, fetched by scripts/pyspark-fetch (no download here)
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", threads)  # 200 by default: 200 tasks per batch for ~1000 keys
         .getOrCreate())
spark.sparkContext.setLogLevel("WARN")
source = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic)
          .option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", max_offsets).load())
counts = {}


def count(batch_df, batch_id):
    per_key = batch_df.groupBy(F.col("key").cast("string").alias("k")).agg(
        F.count(F.lit(1)).alias("n"), F.sum(F.length("value")).alias("b"))
    for row in per_key.collect():
        c = counts.setdefault(row.k, [0, 0])
        c[0] += row.n
        c[1] += row.b


query = (source.writeStream.foreachBatch(count).trigger(availableNow=True)
         .option("checkpointLocation", checkpoint).start())
query.awaitTermination()
spark.stop()
with open(out, "w") as f:
    json.dump(counts, f)
