import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FileExistsError,
  FileNotFoundError,
  MaybeEncodingError,
  ProcessError,
} from "../mod.ts";
import { decodeThrown, encodeThrown } from "../lib/_core/codec.ts";

describe("errors", () => {
  test("MaybeEncodingError carries Python's exc and value, also across threads", () => {
    const error = new MaybeEncodingError("Cannot send result", {
      exc: "DataCloneError: f could not be cloned",
      value: "function f",
    });
    assert.ok(error instanceof ProcessError);
    assert.equal(error.exc, "DataCloneError: f could not be cloned");
    assert.equal(error.value, "function f");
    const rebuilt = decodeThrown(
      structuredClone(encodeThrown(error)),
    ) as MaybeEncodingError;
    assert.ok(rebuilt instanceof MaybeEncodingError);
    assert.equal(rebuilt.message, "Cannot send result");
    assert.equal(rebuilt.exc, "DataCloneError: f could not be cloned");
    assert.equal(rebuilt.value, "function f");
    const bare = new MaybeEncodingError("x");
    assert.deepEqual([bare.exc, bare.value], ["", ""]);
  });

  test("FileExistsError and FileNotFoundError keep their class and code across threads", () => {
    for (
      const [Class, code] of [[FileExistsError, "EEXIST"], [
        FileNotFoundError,
        "ENOENT",
      ]] as const
    ) {
      const rebuilt = decodeThrown(
        structuredClone(encodeThrown(new Class("m"))),
      ) as Error & { code: string };
      assert.ok(rebuilt instanceof Class);
      assert.equal(rebuilt.name, Class.name);
      assert.equal(rebuilt.code, code);
      assert.equal(rebuilt.message, "m");
    }
  });
});
