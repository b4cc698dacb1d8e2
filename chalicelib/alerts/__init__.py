"""预警: alert rules over the nightly metrics, fired once per breach, sent to a WeCom group robot."""
