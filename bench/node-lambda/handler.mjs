// The message function's job for one `send` frame, written as a Node.js
// Lambda author would with AWS SDK v3 (clients built once, at init): look
// up the connection's user, check membership, append to the stream, and
// push the `accepted` ack to the sender.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const table = process.env.CHITTER_TABLE;
const stream = process.env.CHITTER_STREAM;
const dynamodb = new DynamoDBClient({});
// Kinesis's client speaks HTTP/2 by default, which the loopback stand-in
// (like the Rust SDK) does not: HTTP/1.1 here, as for the other two.
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const push = new ApiGatewayManagementApiClient({ endpoint: process.env.CHITTER_CALLBACK_URL });

export async function handler(event) {
  const connectionId = event.requestContext?.connectionId ?? "";
  let frame;
  try {
    frame = JSON.parse(event.body ?? "");
  } catch {
    return { statusCode: 400 };
  }
  const conversation = String(frame.conversation_id ?? "");
  const [connection, membership] = await Promise.all([
    dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `CONN#${connectionId}` }, sk: { S: "CONN" } } })),
    dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `CONV#${conversation}` }, sk: { S: "MEMBER" } } })),
  ]);
  const record = { id: frame.id, conversation_id: conversation, text: frame.text, connection: connectionId, known: Boolean(connection.Item && membership.Item) };
  await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: conversation || "none", Data: Buffer.from(JSON.stringify(record)) }));
  const ack = JSON.stringify({ type: "ack", id: frame.id, status: "accepted" });
  try {
    await push.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(ack) }));
  } catch {
    // A connection that is gone is not this function's error.
  }
  return { statusCode: 200 };
}
