/**
 * Every limit Warren enforces, with the reason for its value (STYLE.md practice 4).
 * A limit is checked before the allocation it protects. Names carry their unit last.
 */

/** RabbitMQ's default `frame_max` (131072): large enough for bulk bodies, small enough to interleave channels. */
export const FRAME_SIZE_BYTES_DEFAULT = 131_072;
/** AMQP 0-9-1 §4.2.1: peers must accept frames of at least 4096 bytes; a smaller negotiated frame_max is refused. */
export const FRAME_SIZE_BYTES_MIN = 4_096;
/** The largest frame_max a server may offer: 2^32-1 would let one frame take 4 GiB before we saw its end. */
export const FRAME_SIZE_BYTES_MAX = 1_048_576;
/** Frame overhead: type (1) + channel (2) + size (4) + frame-end (1). */
export const FRAME_OVERHEAD_BYTES = 8;

/** RabbitMQ's default channel_max is 2047, so 2048 channels with channel 0. */
export const CHANNEL_MAX_DEFAULT = 2_047;
/** The wire field is a short; 0 means "no limit", which we never offer. */
export const CHANNEL_MAX_LIMIT = 65_535;

/** RabbitMQ's default heartbeat (60 s). A peer silent for two intervals is considered dead. */
export const HEARTBEAT_SECONDS_DEFAULT = 60;
/** How many silent heartbeat intervals close a connection (AMQP 0-9-1 §4.2.7 suggests two). */
export const HEARTBEAT_MISSED_MAX = 2;

/** RabbitMQ 3.8+ default max_message_size: 16 MiB per message body. */
export const MESSAGE_SIZE_BYTES_DEFAULT = 16 * 1024 * 1024;
/** RabbitMQ's hard ceiling for max_message_size: 512 MiB. */
export const MESSAGE_SIZE_BYTES_LIMIT = 512 * 1024 * 1024;

/** shortstr length is one octet. */
export const SHORT_STRING_BYTES_MAX = 255;
/** Nesting depth of field tables and arrays: deep enough for real headers (x-death nests 3), bounded against stack exhaustion. */
export const FIELD_TABLE_DEPTH_MAX = 16;

/** How long a client has to complete the handshake (RabbitMQ's handshake_timeout is 10 s). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** After sending connection.close we wait this long for close-ok before dropping the socket (RabbitMQ waits ~3 s). */
export const CLOSE_OK_TIMEOUT_MS = 3_000;

/** Bytes queued on a socket before we stop reading from the sending side (back-pressure). */
export const SOCKET_WRITE_BUFFER_BYTES_HIGH = 4 * 1024 * 1024;

/** Queue and exchange names are shortstrs; RabbitMQ accepts up to 255 bytes. */
export const NAME_BYTES_MAX = 255;

/** prefetch_count is a short on the wire; 0 means unlimited. */
export const PREFETCH_COUNT_MAX = 65_535;

/** LavinMQ's default segment size: rollovers stay rare, and a fully acked segment still frees disk soon after the backlog drains. */
export const STORE_SEGMENT_SIZE_BYTES_DEFAULT = 8 * 1024 * 1024;
/** One page: smaller segments would only multiply files and syscalls (tests use this to hit rollover often). */
export const STORE_SEGMENT_SIZE_BYTES_MIN = 4_096;
/** Recovery reads a segment whole into memory, and ack entries hold offsets as 32-bit integers. */
export const STORE_SEGMENT_SIZE_BYTES_MAX = 1024 * 1024 * 1024;
/** A stored message is the largest body plus exchange, routing key and content header (both bounded far below 2 MiB). */
export const STORE_RECORD_PAYLOAD_BYTES_MAX = MESSAGE_SIZE_BYTES_LIMIT + 2 * 1024 * 1024;
/** Ack files kept open per store: FIFO consumption acks into one or two segments at a time; more would spend fds per queue. */
export const STORE_ACK_FILES_OPEN_MAX = 4;

// ---- MQTT ----------------------------------------------------------------------------------

/** RabbitMQ's mqtt.max_packet_size_unauthenticated: before CONNECT succeeds a client cannot make us allocate more. */
export const MQTT_PACKET_SIZE_BYTES_UNAUTHENTICATED = 65_536;
/** Warren's message size limit (16 MiB body) plus room for topic and properties; RabbitMQ's 256 MiB would outrun the core's limit. */
export const MQTT_PACKET_SIZE_BYTES_DEFAULT = MESSAGE_SIZE_BYTES_DEFAULT + 65_536;
/** The largest packet MQTT can express: a 4-byte Variable Byte Integer remaining length (MQTT 5 §1.5.5) plus a 5-byte fixed header. */
export const MQTT_PACKET_SIZE_BYTES_LIMIT = 268_435_455 + 5;
/** MQTT strings and binary data carry a two-byte length (MQTT 5 §1.5.4, §1.5.6): a longer AMQP value cannot be sent. */
export const MQTT_STRING_BYTES_MAX = 65_535;
/** MQTT's Four Byte Integer (§1.5.3): the most a Message Expiry Interval can say, about 136 years in seconds. */
export const MQTT_FOUR_BYTE_INTEGER_MAX = 4_294_967_295;
/** Topics become AMQP routing keys and filters binding keys, both shortstrs of at most 255 bytes. */
export const MQTT_TOPIC_BYTES_MAX = 255;
/** A client id names queues `mqtt-subscription-<id>qos<n>`; a queue name is a 255-byte shortstr. */
export const MQTT_CLIENT_ID_BYTES_MAX = 255 - "mqtt-subscription-".length - "qos0".length;
/** RabbitMQ's mqtt.topic_alias_maximum default: aliases cost a map entry each per connection. */
export const MQTT_TOPIC_ALIAS_MAXIMUM = 16;
/**
 * Unacknowledged QoS 1/2 deliveries per client when it sets no smaller Receive Maximum (3.1.1
 * clients set none). A client acknowledges once per socket read, and on a busy machine its reads
 * are tens of milliseconds apart: 256 in flight held a subscriber to ~14k msg/s where 1,024 gave
 * ~27k (benchmarks/mqtt/steady.ts). Each costs a map entry in the session.
 */
export const MQTT_OUTBOUND_INFLIGHT_MAX = 1_024;
/** Each subscription is a binding kept in memory; a bound keeps one client from filling the broker with them. */
export const MQTT_SUBSCRIPTIONS_PER_SESSION_MAX = 4_096;
/** RabbitMQ's mqtt.max_session_expiry_interval_seconds default (one day): abandoned persistent sessions do not pile up forever. */
export const MQTT_SESSION_EXPIRY_SECONDS_MAX = 86_400;
/** MQTT's keep-alive grace: a client silent for 1.5 keep-alive intervals is disconnected [MQTT-3.1.2-24]. */
export const MQTT_KEEP_ALIVE_GRACE_FACTOR = 1.5;
/** Retained messages per node: each is kept in memory, and a compaction of the retained log writes every one. */
export const MQTT_RETAINED_MESSAGES_MAX = 100_000;
/**
 * Bytes of retained messages per node (payloads, topics, properties): every one is held in memory
 * and rewritten by each compaction of the retained log, so the count cap alone would let a hundred
 * thousand large payloads (up to the 16 MiB message limit each) take the node's memory.
 * 256 MiB is sixteen of the largest messages, or a hundred thousand of 2.6 kB.
 */
export const MQTT_RETAINED_BYTES_MAX = 256 * 1024 * 1024;
/** The retained log is compacted once it is at least this long and twice its live records: small sets are not rewritten for every few changes. */
export const MQTT_RETAINED_LOG_COMPACT_BYTES_MIN = 1024 * 1024;
/** The inbound QoS 2 id log is compacted once it is at least this long and twice its live records (ids are about 30 bytes each). */
export const MQTT_INBOUND_QOS2_LOG_COMPACT_BYTES_MIN = 256 * 1024;

/** RabbitMQ's default consumer_timeout (30 minutes since 3.8.15): long enough for slow work, short enough to free stuck deliveries. */
export const CONSUMER_TIMEOUT_MS_DEFAULT = 1_800_000;

/** Definition commands kept in the metadata log before a snapshot replaces them: replay stays quick, snapshots stay rare. */
export const METADATA_LOG_COMMANDS_MAX = 10_000;
/** One definition command (a policy or a queue with its arguments) is small; a larger record on disk is corrupt. */
export const METADATA_COMMAND_BYTES_MAX = 1024 * 1024;

/**
 * Ready messages a classic queue keeps with their bodies in memory; past this, bodies wait on
 * disk until they near the head, so a backlog of millions costs bookkeeping, not bodies.
 * 16k messages of a few KB keep the head of a busy queue in memory with room to spare.
 */
export const QUEUE_IN_MEMORY_MESSAGES_MAX = 16_384;
/** The same window for x-queue-mode=lazy queues, whose users asked for messages on disk. */
export const LAZY_QUEUE_IN_MEMORY_MESSAGES_MAX = 256;

/**
 * Publisher flow control (RabbitMQ's credit flow, STYLE.md practice 5): a queue with consumers
 * that is this many ready messages behind stops reading from the connections publishing into it,
 * until it is down to the low mark. Publishing and delivering share one thread: without this a
 * fast publisher takes the whole event loop and the queue grows while deliveries starve.
 */
export const QUEUE_FLOW_READY_HIGH = 16_384;
export const QUEUE_FLOW_READY_LOW = 8_192;

/**
 * A connection gathers its output for one event-loop turn into one buffer and writes it once.
 * The buffer grows toward the large size while turns fill it and shrinks back when they do not,
 * so a busy connection makes one write per turn and an idle one holds little.
 */
export const OUTPUT_BUFFER_BYTES_MIN = 4_096;
export const OUTPUT_BUFFER_BYTES_MAX = 262_144;

/**
 * The longest a connection is held by flow control before it is read again. Two connections
 * that publish into each other's queues would otherwise hold each other for ever (each one's
 * acks travel on a held socket); after this a held connection goes on, and is held again only if
 * the queue is still behind. Short enough to break such a cycle quickly, long enough for a queue
 * to drain a good part of its backlog meanwhile.
 */
export const FLOW_HOLD_MS_MAX = 1_000;

/**
 * The longest regular expression a user may give (policy patterns, permission and topic
 * permission patterns, the API's `name` filter with `use_regex`). Matching is linear in the
 * pattern's size times the input's, so this bounds the cost of every match; real patterns
 * are a few dozen characters, and RabbitMQ's own largest examples stay well under this.
 */
export const USER_PATTERN_CHARACTERS_MAX = 4_096;
/** Compiled user patterns kept for reuse; policies and permissions are few, filters repeat. */
export const USER_PATTERNS_CACHED_MAX = 10_000;
/** Results remembered per pattern: names and routing keys repeat, so most checks are a lookup. */
export const USER_PATTERN_RESULTS_CACHED_MAX = 1_024;

/**
 * The node-wide Raft WAL file rolls over at this size, and the entries it holds move into their
 * groups' segment files: recovery replays at most about this much, and entries waiting to move
 * hold at most about this much memory. RabbitMQ's ra rolls its WAL at 256 MB; Warren holds the
 * unmoved payloads in memory, so it rolls sooner.
 */
export const RAFT_WAL_FILE_BYTES_MAX = 64 * 1024 * 1024;
/** A group's segment file is rewritten once at least this long and twice its live records, so a small group is not rewritten after every snapshot. */
export const RAFT_SEGMENT_COMPACT_BYTES_MIN = 4 * 1024 * 1024;
