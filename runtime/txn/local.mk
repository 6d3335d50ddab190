TXN_SRC = runtime/txn/txn.c runtime/txn/txn_fsm.c runtime/txn/txn_rec.c
