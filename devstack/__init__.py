"""The local stack: embedded DynamoDB, the WeChat sandbox and `chalice local`, on 127.0.0.1."""
