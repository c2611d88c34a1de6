"""notify_svc: fans scored decisions out to subscribers over a gRPC server stream."""
