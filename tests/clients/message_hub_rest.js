// Drives IBM's Node client for Message Hub (npm `message-hub-rest` 1.2.0) against a live server.
// Usage: node message_hub_rest.js URL API_KEY TOPIC GROUP INSTANCE
// The API key goes in X-Auth-Token, as the client always sends it; it is never printed.
// message-hub-rest 1.2.0 has no commit call: the flow is topics, produce, consume, remove.
"use strict";

const MessageHub = require("message-hub-rest");

const [url, apiKey, topic, group, instanceName] = process.argv.slice(2);
const services = { messagehub: [{ label: "messagehub", credentials: { api_key: apiKey, kafka_rest_url: url } }] };
const hub = new MessageHub(services, { https: false });
const VALUES = [Buffer.from([0x00, 0xff, 0x7f]), Buffer.from("Hello World\n"), Buffer.from([0xc3, 0x28])];
const out = {};

function fail(error) {
  const message = String(error && error.message ? error.message : error).split(apiKey).join("[REDACTED]");
  process.stdout.write(JSON.stringify({ error: message, status: error && error.statusCode, partial: out }) + "\n");
  process.exit(1);
}

async function main() {
  out.create = await hub.topics.create(topic, 1, 24);
  out.create_again = await hub.topics.create(topic, 1, 24); // 42201 "already exists" is ignored by the client
  out.admin_topics = (await hub.topics.get()).map((t) => t.name);

  const list = new MessageHub.MessageList(VALUES);
  const produced = await hub.produce(topic, list.messages);
  out.produced = produced.offsets;
  out.sent = VALUES.map((v) => v.toString("hex"));

  const [instance] = await hub.consume(group, instanceName, { "auto.offset.reset": "smallest" });
  // Configuring the same instance again gives 409, which the client treats as success.
  const again = await hub.consume(group, instanceName, { "auto.offset.reset": "smallest" });
  out.reconfigure_409_ignored = again[1] && again[1].error_code === 40902;

  const received = [];
  for (let attempt = 0; attempt < 10 && received.length < VALUES.length; attempt++) {
    const records = await instance.get(topic, false);
    for (const r of records) {
      received.push({ offset: r.offset, partition: r.partition, value: Buffer.from(r.value, "base64").toString("hex") });
    }
  }
  out.consumed = received;
  out.remove = await instance.remove();
  out.removed = true;
  out.delete_topic = await hub.topics.delete(topic);
  out.admin_topics_after = (await hub.topics.get()).map((t) => t.name);
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch(fail);
