"""The sandbox exchange's HTTP and WebSocket server (Starlette on uvicorn), Kalshi's wire protocol."""
