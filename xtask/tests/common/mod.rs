//! Shared fixtures for the spec tests.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use serde_yaml_ng::{Mapping, Value};

/// A small upstream-shaped document that exercises every rule: a non-portfolio
/// path, components reachable only through nested schema keywords, prose and
/// extensions in every kind of object, and names that look like keywords.
pub const SYNTHETIC: &str = r##"
openapi: 3.0.3
info:
  title: Synthetic Upstream
  version: 9.8.7
  description: upstream prose
  x-logo: nope
x-top-level: dropped
externalDocs:
  url: https://docs.example.test
servers:
  - url: https://api.example.test/v2
    description: upstream prose
tags:
  - name: markets
    description: upstream prose
  - name: portfolio
    description: upstream prose
    externalDocs: {url: https://docs.example.test/portfolio}
paths:
  /markets:
    get:
      operationId: GetMarkets
      tags: [markets]
      security:
        - marketKey: []
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Market'
  /portfolio/orders/{order_id}:
    x-path-extension: dropped
    summary: path prose
    parameters:
      - $ref: '#/components/parameters/OrderId'
    post:
      operationId: AmendOrder
      tags: [portfolio]
      security:
        - accessKey: []
      requestBody:
        description: body prose
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AmendRequest'
            example: {count: 1}
      responses:
        '204':
          description: amended
    get:
      operationId: GetOrder
      summary: Get an order
      description: operation prose
      externalDocs: {url: https://docs.example.test/order}
      x-mint:
        content: rate limit prose
      deprecated: false
      tags: [portfolio]
      security:
        - accessKey: []
      parameters:
        - $ref: '#/components/parameters/Filter'
      responses:
        '200':
          description: ok
          headers:
            x-request-id:
              description: header prose
              schema:
                $ref: '#/components/schemas/RequestId'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Order'
              examples:
                one:
                  $ref: '#/components/examples/OrderExample'
        '404':
          $ref: '#/components/responses/NotFound'
        x-responses-extension: dropped
components:
  x-components-extension: dropped
  securitySchemes:
    unusedKey:
      type: apiKey
      in: header
      name: UNUSED
    accessKey:
      type: apiKey
      in: header
      name: ACCESS-KEY
      description: scheme prose
    marketKey:
      type: apiKey
      in: header
      name: MARKET-KEY
  examples:
    OrderExample:
      value: {order_id: abc}
  parameters:
    Filter:
      name: filter
      in: query
      description: parameter prose
      example: foo
      schema:
        allOf:
          - $ref: '#/components/schemas/FilterBase'
    OrderId:
      name: order_id
      in: path
      required: true
      schema:
        type: string
        x-go-type: string
    Unused:
      name: unused
      in: query
      schema: {type: string}
  responses:
    NotFound:
      description: not found prose
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Market:
      type: object
      properties:
        ticker: {type: string}
    Unused:
      type: string
    Order:
      type: object
      description: schema prose
      example:
        description: example prose
      x-oapi-codegen-extra-tags:
        validate: required
      required: [description, side]
      properties:
        description:
          type: string
          description: property prose
        example:
          type: integer
          format: int64
          minimum: 0
          maximum: 10
          nullable: true
        x-custom:
          type: string
        side:
          type: string
          enum: [yes, no, 'on', "off"]
          default: yes
          x-enum-varnames: [SideYes, SideNo, SideOn, SideOff]
        settings:
          type: object
          default:
            description: a default value is data
            x-data: also data
        fills:
          type: array
          items:
            $ref: '#/components/schemas/Fill'
        extra:
          type: object
          additionalProperties:
            $ref: '#/components/schemas/Extra'
        not_negated:
          not:
            $ref: '#/components/schemas/Negated'
        choice:
          oneOf:
            - $ref: '#/components/schemas/ChoiceA'
          anyOf:
            - $ref: '#/components/schemas/ChoiceB'
        error:
          allOf:
            - $ref: '#/components/schemas/Error'
          nullable: true
    FilterBase:
      type: string
      pattern: '^[A-Z]+$'
    Fill:
      type: object
      properties:
        ts:
          $ref: '#/components/schemas/Timestamp'
    Timestamp:
      type: string
      format: date-time
    Extra: {type: string}
    Negated: {type: integer}
    ChoiceA: {type: string}
    ChoiceB: {type: number}
    RequestId: {type: string, format: uuid}
    AmendRequest:
      type: object
      properties:
        count: {type: integer}
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: string}
        message: {type: string}
        details: {type: string}
"##;

pub fn parse(text: &str) -> Value {
    serde_yaml_ng::from_str(text).expect("test YAML parses")
}

pub fn to_yaml(value: &Value) -> String {
    serde_yaml_ng::to_string(value).expect("test YAML emits")
}

/// Imports `text` as if it were a file named `upstream.yaml`.
pub fn import(text: &str) -> Result<String, xtask::spec::SpecError> {
    xtask::spec::slice_document(text.as_bytes(), "upstream.yaml")
}

/// Imports and parses the output back.
pub fn import_value(text: &str) -> Value {
    parse(&import(text).expect("import succeeds"))
}

/// The keys of a mapping, as strings, in order.
pub fn keys(value: &Value) -> Vec<String> {
    value
        .as_mapping()
        .expect("a mapping")
        .keys()
        .map(|k| k.as_str().expect("string key").to_owned())
        .collect()
}

/// Rebuilds a mapping with its entries in reverse order.
pub fn reversed(map: &Mapping) -> Mapping {
    let mut entries: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    entries.reverse();
    entries.into_iter().collect()
}

/// Output text with the input checksum (and so the output's own checksum)
/// masked, for comparing imports of inputs that differ in bytes but not in
/// meaning.
pub fn mask_sha(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            let key = line.trim_start();
            if key.starts_with("sha256:") {
                "    sha256: <masked>"
            } else if key.starts_with("slice_sha256:") {
                "    slice_sha256: <masked>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The upstream document the vendored file `text` was imported from: the file
/// its header names in `../shared`, when that file is there and has the
/// checksum its provenance records. `None` (after saying why) otherwise, for
/// instance after importing a synthetic next version saved under the same name.
pub fn recorded_upstream(text: &str) -> Option<PathBuf> {
    let source = xtask::spec::check::header_source(text)?;
    let path = shared_spec(source)?;
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).ok()?;
    let recorded = doc["info"]["x-upstream"]["sha256"]
        .as_str()
        .unwrap_or_default();
    let actual = xtask::spec::sha256_hex(&std::fs::read(&path).ok()?);
    if actual == recorded {
        Some(path)
    } else {
        println!(
            "skipping: {} is not the recorded upstream (sha256 {actual}, recorded {recorded})",
            path.display()
        );
        None
    }
}

/// The upstream copies live beside the workspace, in `../shared`; CI lays
/// them out the same way. Returns `None` (after saying so) when absent.
pub fn shared_spec(file: &str) -> Option<PathBuf> {
    let path = xtask::spec::workspace_root()
        .join("../shared/kalshi-openapi")
        .join(file);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipping: {} is not present", path.display());
        None
    }
}
