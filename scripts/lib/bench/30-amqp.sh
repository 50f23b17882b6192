# shellcheck shell=bash
# Sourced by scripts/bench (see its header for the helpers a section may use).
BENCH_TARGETS+=(ferry-bench-amqp ferry-bench-amqp-floor)
# --- AMQP: ferry's publisher and consumer vs pika ---------------------------------------------
# Same broker, durable classic queue, persistent 256-byte messages on both sides; each side
# uses its own queue. ferry's publisher always confirms, so its pipelined (confirmed) rate is
# held against both of pika's publish rates: confirming each message, and not confirming at all.
bench_amqp() {
  ferry_log "amqp publisher/consumer vs pika"
  AMQP_BENCH="$BUILD/tests/bench/ferry-bench-amqp"
  PIKA=(/usr/bin/python3 "$FERRY_ROOT/tests/bench/peers/amqp_pika.py" --url "$RABBITMQ_URL")
  for round in 1 2 3; do
    for pair in publish_confirm_each:publish_confirm_each publish_noconfirm:publish_pipelined \
      consume_prefetch1:consume_prefetch1 consume_prefetch100:consume_prefetch100; do
      peer_shape=${pair%%:*} ferry_shape=${pair##*:}
      peer=$(client "${PIKA[@]}" --shape "$peer_shape" | field value)
      ours=$(client "$AMQP_BENCH" --url "$RABBITMQ_URL" --shape "$ferry_shape" | field value)
      echo "  round $round: pika $peer_shape $peer/s, ferry $ferry_shape $ours/s"
      echo "peer.$peer_shape $peer" >> "$RESULTS.amqp"
      echo "ferry.$ferry_shape $ours" >> "$RESULTS.amqp"
    done
    # The prefetch-1 floor: a raw-socket client doing one recv() and one send() per message.
    floor=$(client "$BUILD/tests/bench/ferry-bench-amqp-floor" --url "$RABBITMQ_URL" --mode raw | field value)
    echo "  round $round: prefetch-1 floor (raw socket, no client work) $floor/s"
    echo "floor.consume_prefetch1 $floor" >> "$RESULTS.amqp"
  done
  # Medians of the interleaved rounds.
  amqp_median() { median "$RESULTS.amqp" "$1" 2; }
  record amqp.publish_pipelined_vs_confirm_each \
    "AMQP publish, confirmed, pipelined (window 256) vs pika confirming each" \
    "$(amqp_median ferry.publish_pipelined)" "pika, confirm_delivery, one in flight" \
    "$(amqp_median peer.publish_confirm_each)" msgs/s 10
  record amqp.publish_pipelined_vs_noconfirm \
    "AMQP publish, confirmed, pipelined (window 256) vs pika without confirms" \
    "$(amqp_median ferry.publish_pipelined)" "pika, no confirms" \
    "$(amqp_median peer.publish_noconfirm)" msgs/s 0.8
  record amqp.publish_confirm_each "AMQP publish, each message confirmed before the next" \
    "$(amqp_median ferry.publish_confirm_each)" "pika, confirm_delivery, one in flight" \
    "$(amqp_median peer.publish_confirm_each)" msgs/s 1
  record amqp.consume_prefetch1 "AMQP consume + ack per message, prefetch 1" \
    "$(amqp_median ferry.consume_prefetch1)" "pika, basic_qos(1), manual ack" \
    "$(amqp_median peer.consume_prefetch1)" msgs/s 2
  record amqp.consume_prefetch100 "AMQP consume + ack per message, prefetch 100" \
    "$(amqp_median ferry.consume_prefetch100)" "pika, basic_qos(100), manual ack" \
    "$(amqp_median peer.consume_prefetch100)" msgs/s 2
  # At prefetch 1 the broker sends message n+1 only after reading the ack of message n: every
  # message is one full round trip through the broker, whatever the client. The floor row
  # shows how close ferry's consumer gets to a client that does no work at all.
  local f1 p1 fl
  f1=$(amqp_median ferry.consume_prefetch1) p1=$(amqp_median peer.consume_prefetch1)
  fl=$(amqp_median floor.consume_prefetch1)
  record amqp.consume_prefetch1_floor \
    "AMQP consume + ack per message, prefetch 1, vs the floor (no client work)" "$f1" \
    "raw socket: 1 recv + 1 send per message (ferry-bench-amqp-floor)" "$fl" msgs/s 0.9
  note "$(awk -v f="$f1" -v p="$p1" -v l="$fl" 'BEGIN {
    r = l / p
    printf "AMQP consume at prefetch 1: a client that does nothing but one `recv()` and one `send()` " \
      "per message reaches %d msgs/s here, %.2fx pika (%d msgs/s); ferry reaches %d msgs/s, " \
      "%.0f%% of that floor. ", l, r, p, f, 100 * f / l
    if (r < 2)
      printf "The >= 2x target over pika is therefore not reachable by any client on this " \
        "placement: at prefetch 1 each message is a broker round trip (the broker sends message " \
        "n+1 only after it has read the ack of n), and that round trip, not the client, sets the rate."
    else
      printf "The floor leaves room for >= 2x over pika on this placement."
  }')"
  rm -f "$RESULTS.amqp"
}
