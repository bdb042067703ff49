"""End-to-end check with pika (python3-pika from Debian), spawned by pika.test.ts.

Usage: /usr/bin/python3 pika_end_to_end.py AMQP_URL NAME_PREFIX
Declares an exchange and a queue, publishes with publisher confirms (one unroutable
mandatory message is returned), consumes and acks, and prints one JSON line with
what it saw. Exits non-zero on any failure.
"""
import json
import sys

import pika


def main() -> int:
    url, prefix = sys.argv[1], sys.argv[2]
    params = pika.URLParameters(url)
    params.socket_timeout = 5
    params.blocked_connection_timeout = 10
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.confirm_delivery()

    exchange = prefix + "-exchange"
    queue = prefix + "-queue"
    channel.exchange_declare(exchange=exchange, exchange_type="topic", auto_delete=True)
    declared = channel.queue_declare(queue=queue, exclusive=True)
    channel.queue_bind(queue=queue, exchange=exchange, routing_key="orders.*")

    published = []
    for i in range(5):
        body = "message-%d" % i
        channel.basic_publish(
            exchange=exchange,
            routing_key="orders.created",
            body=body.encode(),
            properties=pika.BasicProperties(content_type="text/plain", delivery_mode=2,
                                            headers={"index": i, "tag": "pika"}, message_id=str(i)),
            mandatory=True,
        )  # with confirms on, this returns only after the broker's basic.ack
        published.append(body)

    unroutable_returned = False
    try:
        channel.basic_publish(exchange=exchange, routing_key="nobody.listens.here", body=b"lost", mandatory=True)
    except pika.exceptions.UnroutableError:
        unroutable_returned = True

    received = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        received.append({
            "body": body.decode(),
            "redelivered": method.redelivered,
            "routing_key": method.routing_key,
            "headers": properties.headers,
            "content_type": properties.content_type,
            "message_id": properties.message_id,
        })
        channel.basic_ack(method.delivery_tag)
        if len(received) == len(published):
            break
    channel.cancel()

    remaining = channel.queue_declare(queue=queue, passive=True).method.message_count
    connection.close()
    print(json.dumps({
        "queue": declared.method.queue,
        "published": published,
        "received": received,
        "unroutable_returned": unroutable_returned,
        "remaining": remaining,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
