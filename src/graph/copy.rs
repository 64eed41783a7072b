//! Copying snapshots from one graph store to another (`atg graph copy`).
