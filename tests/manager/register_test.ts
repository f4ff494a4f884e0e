import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BaseManager,
  BaseProxy,
  Process,
  ProcessError,
  type ProxyToken,
} from "../../mod.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("manager_api_targets");
const api = await import(
  module.href
) as typeof import("../fixtures/manager_api_targets.ts");

class GreeterProxy extends BaseProxy {
  static readonly exposed = ["greet"];
  async greet(who: string): Promise<string> {
    return `proxy: ${await this.callMethod("greet", [who])}`;
  }
}

describe("BaseManager.start and register options", () => {
  test("BaseManager.start({ initializer, initargs }) runs the initializer in the server before it serves", async () => {
    const manager = new BaseManager({ module })
      .register("Greeter", api.Greeter);
    await manager.start({
      initializer: api.setGreeting,
      initargs: ["Hello", ","],
    });
    try {
      const greeter = await manager.Greeter();
      assert.equal(await greeter.greet("bob"), "Hello, bob");
    } finally {
      await manager.shutdown();
    }
    // Without one, the module's state is untouched.
    await using plain = new BaseManager({ module })
      .register("Greeter", api.Greeter);
    await plain.start();
    assert.equal(await (await plain.Greeter()).greet("bob"), "unset bob");
  });

  test("BaseManager.start() rejects with the initializer's error, and checks its options", async () => {
    const manager = new BaseManager({ module });
    await assert.rejects(manager.start({ initializer: api.failingInit }), {
      name: "ProcessError",
      message: "Cannot start manager: the initializer failed on purpose",
    });
    await assert.rejects(
      new BaseManager().start({ initargs: "x" as unknown as [] }),
      {
        name: "TypeError",
        message:
          'Cannot start manager: "initargs" must be an array, received "x"',
      },
    );
    await assert.rejects(
      new BaseManager().start({ initializer: 1 as unknown as () => void }),
      {
        name: "TypeError",
        message:
          'Cannot start manager: "initializer" must be a function, received 1',
      },
    );
    await assert.rejects(
      new BaseManager().start({ other: 1 } as never),
      { name: "TypeError", message: /Cannot start manager: .*other/ },
    );
  });

  test("register(..., { methodToTypeid }) serves a method's result as a new object and returns its proxy", async () => {
    await using manager = new BaseManager({ module })
      .register("Tree", api.Tree, {
        methodToTypeid: { child: "Node", laterChild: "Node" },
      })
      .register("Node", undefined, { createMethod: false });
    await manager.start();
    const tree = await manager.Tree();
    const node = await tree.child("a") as unknown as BaseProxy & {
      name(): Promise<string>;
      rename(name: string): Promise<void>;
    };
    assert.ok(node instanceof BaseProxy);
    assert.equal(node.typeid, "Node");
    assert.equal(await node.name(), "a");
    // The proxy refers to the very object the tree holds.
    await node.rename("b");
    const later = await tree.laterChild("c") as unknown as {
      name(): Promise<string>;
    };
    assert.equal(await later.name(), "c");
    assert.deepEqual(await tree.names(), ["b", "c"]);
    // Methods not in the map return copies, as before.
    assert.deepEqual(await tree.plain("x"), { name: "x" });
    // createMethod: false adds no factory method, and the server builds none.
    assert.equal("Node" in manager, false);
    await assert.rejects(manager.create("Node", "z"), {
      name: "TypeError",
      message:
        'Cannot create object: this typeid is served only as a method\'s result, received "Node"',
    });
  });

  test("register(..., { methodToTypeid }) passes the result to the target typeid's factory, as Python does", async () => {
    await using manager = new BaseManager({ module })
      .register("Labeller", api.Labeller, {
        methodToTypeid: { wrapped: "Label" },
      })
      .register("Label", api.wrapLabel, { createMethod: false });
    await manager.start();
    const labeller = await manager.Labeller();
    const label = await labeller.wrapped("hi") as unknown as {
      label(): Promise<string>;
    };
    assert.equal(await label.label(), "<HI>");
  });

  test("register(..., { methodToTypeid }) naming an unregistered typeid fails start()", async () => {
    const manager = new BaseManager({ module })
      .register("Tree", api.Tree, { methodToTypeid: { child: "Missing" } });
    await assert.rejects(manager.start(), {
      name: "TypeError",
      message:
        'Cannot start manager: methodToTypeid of Tree maps child() to a typeid that is not registered, received "Missing"',
    });
    // The server checks too (getServer() serves in this thread).
    assert.throws(
      () =>
        new BaseManager({ module })
          .register("Tree", api.Tree, { methodToTypeid: { child: "Gone" } })
          .getServer(),
      {
        name: "TypeError",
        message:
          'Cannot serve Tree: methodToTypeid maps child() to a typeid no one registered, received "Gone"',
      },
    );
    assert.throws(
      () =>
        new BaseManager().register("T", api.Tree, {
          methodToTypeid: { child: 3 } as never,
        }),
      {
        name: "TypeError",
        message:
          'Cannot register manager type: "methodToTypeid" must map method names to typeids, received an object (Object)',
      },
    );
  });

  test("register(..., { proxytype }) builds that class; its static exposed is the default", async () => {
    await using manager = new BaseManager({ module })
      .register("Greeter", api.Greeter, { proxytype: GreeterProxy });
    await manager.start({
      initializer: api.setGreeting,
      initargs: ["Hi", "!"],
    });
    const greeter = await manager.Greeter();
    assert.ok(greeter instanceof GreeterProxy);
    assert.equal(await greeter.greet("ann"), "proxy: Hi! ann");
    // Only "greet" is exposed (the proxy type's static list).
    await assert.rejects(greeter.callMethod("toString"), {
      name: "TypeError",
      message: /^Cannot call Greeter method: not exposed/,
    });
    // A function works as a proxy type too.
    await using other = new BaseManager({ module }).register(
      "Greeter",
      api.Greeter,
      { proxytype: (token: ProxyToken) => new GreeterProxy(token) },
    );
    await other.start();
    assert.ok(await other.Greeter() instanceof GreeterProxy);
    assert.throws(
      () =>
        new BaseManager().register("X", api.Greeter, { proxytype: 1 as never }),
      {
        name: "TypeError",
        message:
          'Cannot register manager type: "proxytype" must be a proxy class or a function, received 1',
      },
    );
  });

  test("register(..., { proxytype }) on a connecting client: its proxies and the results it receives use the class", async () => {
    await using server = new BaseManager({ module, authkey: "k" })
      .register("Greeter", api.Greeter);
    await server.start();
    const client = new BaseManager({ address: server.address, authkey: "k" })
      .register("Greeter", undefined, { proxytype: GreeterProxy });
    await client.connect();
    try {
      const greeter = await client.Greeter();
      assert.ok(greeter instanceof GreeterProxy);
      assert.equal(await greeter.greet("x"), "proxy: unset x");
    } finally {
      await client.shutdown();
    }
  });

  test("register(..., { createMethod }) must be a boolean; exposed must be names", () => {
    assert.throws(
      () =>
        new BaseManager().register("X", api.Tree, { createMethod: 1 as never }),
      {
        name: "TypeError",
        message:
          'Cannot register manager type: "createMethod" must be a boolean, received 1',
      },
    );
    // createMethod: false may reuse a member's name: no method is added.
    const manager = new BaseManager().register("start", api.Tree, {
      createMethod: false,
    });
    assert.equal(typeof manager.start, "function");
  });

  test("A proxy of a methodToTypeid result passed to a Process works there", async () => {
    await using manager = new BaseManager({ module })
      .register("Tree", api.Tree, { methodToTypeid: { child: "Node" } })
      .register("Node", undefined, { createMethod: false });
    await manager.start();
    const tree = await manager.Tree();
    const node = await tree.child("first") as unknown as {
      rename(name: string): Promise<void>;
    };
    const p = new Process({
      target: async (n: { rename(name: string): Promise<void> }) =>
        await n.rename("renamed in a child"),
      args: [node],
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(await tree.names(), ["renamed in a child"]);
  });

  test("BaseManager.register() after start() still throws ProcessError", async () => {
    await using manager = new BaseManager({ module });
    await manager.start();
    assert.throws(() => manager.register("Tree", api.Tree), ProcessError);
  });
});
