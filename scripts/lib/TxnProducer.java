// A small transactional producer for integration tests (kcat cannot do transactions).
// Run through `scripts/kafka-tool txn-producer ...`, which compiles it with javac against
// the kafka-clients of KAFKA_VERSION. Writes one committed transaction of --committed
// records, then one aborted transaction of --aborted records, all to one partition, and
// prints one JSON line: the offsets each transaction used and the partition's end offset.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

public final class TxnProducer {
    private static void usage(String why) {
        System.err.println("txn-producer: " + why);
        System.err.println("usage: txn-producer --bootstrap-server HOST:PORT --topic T [--partition P]"
                + " [--committed N] [--aborted M] [--transactional-id ID]"
                + " [--key-prefix K] [--value-prefix V]");
        System.exit(2);
    }

    private static long[] send(KafkaProducer<String, String> p, String topic, int partition, int n,
                               String keyPrefix, String valuePrefix, String tag) throws Exception {
        List<Future<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(p.send(new ProducerRecord<>(topic, partition, keyPrefix + i, valuePrefix + tag + "-" + i)));
        }
        p.flush();
        long first = -1, last = -1;
        for (Future<RecordMetadata> f : fs) {
            long o = f.get().offset();
            if (first < 0) first = o;
            last = o;
        }
        return new long[] {first, last};
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        a.put("--partition", "0");
        a.put("--committed", "10");
        a.put("--aborted", "10");
        a.put("--transactional-id", "streamsubmit-txn-" + ProcessHandle.current().pid());
        a.put("--key-prefix", "k");
        a.put("--value-prefix", "");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) usage("bad argument " + args[i]);
            a.put(args[i], args[++i]);
        }
        String bootstrap = a.get("--bootstrap-server"), topic = a.get("--topic");
        if (bootstrap == null || topic == null) usage("--bootstrap-server and --topic are required");
        int partition = Integer.parseInt(a.get("--partition"));
        int committed = Integer.parseInt(a.get("--committed"));
        int aborted = Integer.parseInt(a.get("--aborted"));

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, a.get("--transactional-id"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
        long[] c = {-1, -1}, ab = {-1, -1};
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
            p.initTransactions();
            if (committed > 0) {
                p.beginTransaction();
                c = send(p, topic, partition, committed, a.get("--key-prefix"), a.get("--value-prefix"), "committed");
                p.commitTransaction();
            }
            if (aborted > 0) {
                p.beginTransaction();
                ab = send(p, topic, partition, aborted, a.get("--key-prefix"), a.get("--value-prefix"), "aborted");
                p.abortTransaction();
            }
        }
        System.out.printf("{\"topic\": \"%s\", \"partition\": %d, \"committed_first\": %d, \"committed_last\": %d,"
                + " \"aborted_first\": %d, \"aborted_last\": %d}%n",
                topic, partition, c[0], c[1], ab[0], ab[1]);
    }
}
