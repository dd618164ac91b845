// The body redaction engine. Paths are parsed once, at register time, with the `jsonpath` package's own
// parser (parse-path) and merged into one trie (compile); per request only that trie is walked over the
// value (walk). Nothing here ever evaluates code: filter and script expressions are refused when compiling.
//
// Semantics are those of `jsonpath.apply(clone, path, () => REDACTED)` applied for each path in order,
// which comes down to: every location some path matches is replaced by the marker, and a match inside
// another match disappears with it (apply writes the deepest nodes first; the outer one overwrites them).
// Deliberate differences, where `jsonpath.apply` would throw or write something absurd:
// - only own enumerable properties match (jsonpath's `key in value` also "matches" inherited members such
//   as `toString`, adding them to the body, and crashes on an array's `length`);
// - `__proto__`, `constructor` and `prototype` are redacted like any key (jsonpath throws on them);
// - `$` alone redacts the whole value (jsonpath throws); a path without `$` is read as `$.` + path
//   (jsonpath turns a leading `*` into a key named "*");
// - a descendant union or slice (`$..[a,b]`, `$..[1:2]`), a zero slice step, filter `?(...)` and script
//   `(...)` expressions are refused at compile time (jsonpath cannot apply the first ones at all);
// - a negative-step slice starting past the end skips the missing index (jsonpath throws);
// - objects without a prototype are walked like any object (jsonpath skips them).
export { REDACTED } from '../span/names'
export { RedactionPathError } from './parse-path'
export { compileRedaction, type RedactionPlan } from './compile'
export { redactJsonText, redactValue } from './walk'
