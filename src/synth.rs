//! Seeded synthetic tenants for benchmarks and scale tests.
