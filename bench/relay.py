"""A Python relay per hop with confluent-kafka, as the seeds run them: one
process per hop, acks=all, idempotent, the input committed only after its
outputs are flushed. Usage: relay.py BROKERS GROUP FROM TO"""
import sys

from confluent_kafka import Consumer, Producer


def main():
    brokers, group, src, dst = sys.argv[1:5]
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    producer = Producer({
        "bootstrap.servers": brokers,
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 1,
    })
    consumer.subscribe([src])
    try:
        while True:
            msgs = consumer.consume(num_messages=500, timeout=0.2)
            if not msgs:
                continue
            produced = 0
            for m in msgs:
                if m.error():
                    continue
                producer.produce(dst, key=m.key(), value=m.value())
                produced += 1
            if produced:
                producer.flush()
                consumer.commit(asynchronous=False)
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
