"""marshmallow schemas: the wire contract. Input filter, output whitelist, OpenAPI source.

`XxxSchema` describes a body, `XxxQueryArgsSchema` a query string. Every input schema
rejects unknown fields (422), every numeric query argument is bounded.
"""
