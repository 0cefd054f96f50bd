"""The live state on the server: nowcasts, tomorrow's forecasts, stockout alerts, WebSockets."""
