//! Error classes, exit codes and the one error renderer.
