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
