// Drives Confluent's Node client for the v1 API (npm `kafka-rest`) against a live server.
// Usage: node kafka_rest_v1.js URL TOPIC GROUP
// Prints one JSON object on stdout: what each step returned (byte values as hex).
"use strict";

const KafkaRest = require("kafka-rest");

const [url, topic, group] = process.argv.slice(2);
const client = new KafkaRest({ url: url, timeout: 10000 });
const out = {};
const VALUES = [Buffer.from([0x00, 0xff, 0x10]), Buffer.from("hello"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))];
const KEY = Buffer.from([0x01, 0x02]);

function step(name, fn) {
  return new Promise((resolve, reject) => {
    fn((err, result) => {
      if (err) {
        reject(new Error(`${name}: ${err.status || ""} ${err.message || err}`));
      } else {
        resolve(result);
      }
    });
  });
}

function fail(error) {
  process.stdout.write(JSON.stringify({ error: String(error && error.message ? error.message : error), partial: out }) + "\n");
  process.exit(1);
}

async function main() {
  const topics = await step("list topics", (cb) => client.topics.list(cb));
  out.topics = topics.map((t) => t.name);

  const meta = await step("get topic", (cb) => client.topics.get(topic, cb));
  out.partitions = meta.raw.partitions.length;

  const produced = await step("produce", (cb) =>
    client.topic(topic).produce(VALUES.map((v) => ({ key: KEY, value: v, partition: 0 })), cb)
  );
  out.produced = produced.offsets;
  out.sent = VALUES.map((v) => v.toString("hex"));

  const first = produced.offsets[0].offset;
  const messages = await step("read by offset", (cb) =>
    client.topic(topic).partition(0).messages({ offset: first, count: VALUES.length, format: "binary" }, cb)
  );
  out.read_by_offset = messages.map((m) => Buffer.from(m.value, "base64").toString("hex"));

  const instance = await step("join", (cb) =>
    client.consumer(group).join({ format: "binary", "auto.offset.reset": "smallest", "auto.commit.enable": "false" }, cb)
  );
  out.instance_id = instance.id;
  out.base_uri = instance.uri;

  const received = [];
  await new Promise((resolve, reject) => {
    const stream = instance.subscribe(topic);
    const timer = setTimeout(() => reject(new Error("consume: timed out")), 15000);
    stream.on("data", (msgs) => {
      for (const m of msgs) {
        if (m.partition === 0 && m.offset >= first) {
          received.push({ offset: m.offset, key: m.key ? m.key.toString("hex") : null, value: m.value ? m.value.toString("hex") : null });
        }
      }
      if (received.length >= VALUES.length) {
        clearTimeout(timer);
        resolve();
      }
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  out.consumed = received;

  out.commit = await step("commit", (cb) => instance.commit(cb));
  await step("shutdown", (cb) => instance.shutdown(cb));
  out.deleted = !instance.active;
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch(fail);
