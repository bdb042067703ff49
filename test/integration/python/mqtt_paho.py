"""Drives Warren's MQTT listener with Debian's python3-paho-mqtt (1.6): publish and subscribe
at QoS 0, 1 and 2 over MQTT 3.1.1 and 5.0, and a retained message on a wildcard filter.
Usage: mqtt_paho.py PORT. Prints "ok" and exits 0 on success; exits 1 with a reason otherwise."""
import sys
import threading
import time

import paho.mqtt.client as mqtt

PORT = int(sys.argv[1])
TIMEOUT_SECONDS = 10


def connect(client_id, protocol):
    client = mqtt.Client(client_id=client_id, protocol=protocol)
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect("127.0.0.1", PORT, keepalive=30)
    client.loop_start()
    if not connected.wait(TIMEOUT_SECONDS):
        raise SystemExit(f"{client_id}: no CONNACK")
    return client


def exchange(protocol, label):
    received = []
    done = threading.Event()
    subscriber = connect(f"paho-sub-{label}", protocol)

    def on_message(_client, _userdata, message):
        received.append((message.topic, message.payload, message.qos))
        if len(received) == 3:
            done.set()

    subscriber.on_message = on_message
    subscribed = threading.Event()
    subscriber.on_subscribe = lambda *args: subscribed.set()
    subscriber.subscribe(f"paho/{label}/#", qos=2)
    if not subscribed.wait(TIMEOUT_SECONDS):
        raise SystemExit(f"{label}: no SUBACK")
    publisher = connect(f"paho-pub-{label}", protocol)
    for qos in (0, 1, 2):
        publisher.publish(f"paho/{label}/q{qos}", f"payload {qos}".encode(), qos=qos).wait_for_publish()
    if not done.wait(TIMEOUT_SECONDS):
        raise SystemExit(f"{label}: got {received}")
    expected = [(f"paho/{label}/q{qos}", f"payload {qos}".encode(), qos) for qos in (0, 1, 2)]
    if received != expected:
        raise SystemExit(f"{label}: expected {expected}, got {received}")
    publisher.publish(f"paho/{label}/retained/x", b"kept", qos=1, retain=True).wait_for_publish()
    late = connect(f"paho-late-{label}", protocol)
    retained = []
    got_retained = threading.Event()
    late.on_message = lambda _c, _u, message: (retained.append((message.topic, message.payload, message.retain)), got_retained.set())
    late.subscribe(f"paho/{label}/+/x", qos=1)
    if not got_retained.wait(TIMEOUT_SECONDS) or retained[0] != (f"paho/{label}/retained/x", b"kept", 1):
        raise SystemExit(f"{label}: retained {retained}")
    for client in (subscriber, publisher, late):
        client.disconnect()
        client.loop_stop()


exchange(mqtt.MQTTv311, "v311")
exchange(mqtt.MQTTv5, "v5")
time.sleep(0.1)
print("ok")
