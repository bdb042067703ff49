/** The MQTT adapter's public surface: the listener and its options. */
export { listenMqtt, type MqttListening, type MqttOptions } from "./listener.js";
