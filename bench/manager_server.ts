// A SyncManager server in its own OS process for the TCP loopback bench:
// prints its address as a JSON line, then serves until killed.
// Usage: manager_server <authkey>
import process from "node:process";
import { SyncManager } from "../mod.ts";

const server = new SyncManager({ authkey: process.argv.at(-1)! }).getServer();
console.log(JSON.stringify(await server.listen()));
await server.serveForever();
