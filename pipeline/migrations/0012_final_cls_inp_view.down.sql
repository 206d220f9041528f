DROP VIEW IF EXISTS rum.cls_inp_final_1h;
