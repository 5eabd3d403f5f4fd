/**
 * JSONP's name rule and wrapping, which both profiles share (what each answers to a bad
 * name is its own): an answer asked for with `callback` is wrapped in a call to that name. Both aurweb RPCs took only names of these characters, so that what
 * is wrapped around the JSON can call a function and nothing else.
 */
import type { Body } from "./respond.js";

const CALLBACK_NAME = /^[a-zA-Z0-9()_.]{1,128}$/;

export function isCallbackName(name: string): boolean {
  return CALLBACK_NAME.test(name);
}

/** `callback(json)` behind an empty comment, byte for byte as both RPCs wrote it. */
export function wrapInCallback(callback: string, json: Body): Buffer {
  return Buffer.concat([Buffer.from(`/**/${callback}(`, "latin1"), Buffer.from(json), Buffer.from(")")]);
}
