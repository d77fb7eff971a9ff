// Filled in this session.
