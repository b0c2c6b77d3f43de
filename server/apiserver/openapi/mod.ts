/**
 * OpenAPI for the API server: `/openapi/v2` (Swagger 2.0, JSON or gnostic protobuf),
 * `/openapi/v3` (the index) and `/openapi/v3/<api/v1|apis/group/version>` (OpenAPI 3.0), built
 * from the {@link Registry} and a type registry derived from `@kubernetes/client-node`; and
 * unknown-field validation for `?fieldValidation=` from the same types.
 *
 * Custom resources: give the ResourceDef a `schema` ({@link SchemaCarrier}, an OpenAPI v3 schema
 * object); the documents publish it, and {@link checkFieldValidation} takes it as last argument.
 *
 * Caching follows upstream: an ETag (SHA-512 of the body) with `If-None-Match` → 304; a v3 URL
 * whose `hash` matches is `Cache-Control: public, immutable`, one whose hash is stale redirects
 * (301) to the current URL.
 *
 * @module
 */
import { notAcceptable, StatusError } from "../../../kube/errors.ts";
import type { Route } from "../app.ts";
import type { RequestContext } from "../context.ts";
import type { Registry } from "../registry.ts";
import { type Encoded, OpenApiDocuments } from "./documents.ts";

export { customDefinitionName, OpenApiDocuments, type SchemaCarrier } from "./documents.ts";
export { builtinTypes, TypeRegistry } from "./models.ts";
export {
  checkFieldValidation,
  type FieldValidationResult,
  pruneUnknownFields,
  type RawBody,
  unknownFieldMessage,
  unknownFields,
  unknownFieldsBySchema,
} from "./validate.ts";

/** The media type client-go asks `/openapi/v2` for. */
export const PROTO_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
/** The same, as upstream labels the response (Go's mime parser rejects the `@`). */
export const PROTO_V2_RESPONSE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
const PROTO_V3 = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf";

/** Media types in an Accept header, without parameters, in order. */
function accepted(accept: string | null): string[] {
  if (!accept) return ["*/*"];
  return accept.split(",").map((p) => p.split(";")[0].trim().toLowerCase()).filter(Boolean);
}

const acceptsJson = (types: string[]) =>
  types.some((t) => t === "application/json" || t === "*/*" || t === "application/*");

function methodCheck(ctx: RequestContext): void {
  const m = ctx.req.method;
  if (m !== "GET" && m !== "HEAD") {
    throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method");
  }
}

function serve(
  ctx: RequestContext,
  doc: Encoded,
  type: string,
  extra: Record<string, string> = {},
): Response {
  const etag = `"${doc.hash}"`;
  const headers = new Headers({ etag, vary: "Accept", ...extra });
  const match = ctx.req.headers.get("if-none-match");
  if (match && match.split(",").some((t) => t.trim() === etag || t.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-type", type);
  headers.set("content-length", String(doc.body.length));
  const body = ctx.req.method === "HEAD" ? null : doc.body;
  return new Response(body as BodyInit | null, { status: 200, headers });
}

/** The OpenAPI routes of one registry; documents are built on first request. */
export function openApiRoutes(registry: Registry): Route[] {
  const docs = new OpenApiDocuments(registry);
  return [
    {
      path: "/openapi/v2",
      handle(ctx) {
        methodCheck(ctx);
        const types = accepted(ctx.req.headers.get("accept"));
        const proto = types.findIndex((t) =>
          t === PROTO_V2.toLowerCase() || t === PROTO_V2_RESPONSE
        );
        const json = types.findIndex((t) => acceptsJson([t]));
        if (proto >= 0 && (json < 0 || proto < json)) {
          return serve(ctx, docs.v2Protobuf(), PROTO_V2_RESPONSE);
        }
        if (json < 0) throw notAcceptable(`only ${PROTO_V2} and application/json are served`);
        return serve(ctx, docs.v2(), "application/json");
      },
    },
    {
      path: "/openapi/v3",
      handle(ctx) {
        methodCheck(ctx);
        return serve(ctx, docs.v3Index(), "application/json");
      },
    },
    {
      path: "/openapi/v3/",
      handle(ctx) {
        methodCheck(ctx);
        const gv = ctx.url.pathname.slice("/openapi/v3/".length).replace(/\/$/, "");
        const doc = docs.v3(gv);
        if (!doc) {
          throw new StatusError(
            404,
            "NotFound",
            "the server could not find the requested resource",
          );
        }
        const types = accepted(ctx.req.headers.get("accept"));
        if (!acceptsJson(types) && types.includes(PROTO_V3)) {
          throw notAcceptable(`only application/json is served for ${ctx.url.pathname}`);
        }
        const hash = ctx.url.searchParams.get("hash");
        if (hash !== null && hash !== doc.hash) {
          const location = `/openapi/v3/${gv}?hash=${doc.hash}`;
          return new Response(null, { status: 301, headers: { location } });
        }
        const cache: Record<string, string> = hash === null ? {} : {
          "cache-control": "public, immutable",
          expires: new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString(),
        };
        return serve(ctx, doc, "application/json", cache);
      },
    },
  ];
}
