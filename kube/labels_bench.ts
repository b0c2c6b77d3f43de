import { labelSelectorAsSelector, parseSelector } from "./labels.ts";

const labels = {
  app: "web",
  tier: "frontend",
  env: "prod",
  "kubernetes.io/name": "x",
  version: "v2",
};
const equality = parseSelector("app=web,env=prod");
const setBased = parseSelector("tier in (frontend,backend),!canary,version notin (v1)");
const fromObject = labelSelectorAsSelector({ matchLabels: { app: "web" } });

Deno.bench("Selector.matches() with two equality requirements", () => {
  equality.matches(labels);
});

Deno.bench("Selector.matches() with set-based requirements", () => {
  setBased.matches(labels);
});

Deno.bench("Selector.matches() from a LabelSelector", () => {
  fromObject.matches(labels);
});

Deno.bench("parseSelector() of a typical query", () => {
  parseSelector("app=web,tier in (frontend,backend),!canary");
});
