import type { RequestHandler } from "express";
import { AppError } from "../errors";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Authorization seam until accounts exist: the console API (reads and writes) answers only
 * requests from this machine, so a server reachable by street kiosks never shows an entry or
 * accepts a change from the network. Accounts and roles replace this with real sessions.
 */
export const requireLocalOperator: RequestHandler = (req, _res, next) => {
  const address = req.socket.remoteAddress ?? "";
  if (!LOOPBACK.test(address)) {
    next(
      new AppError(
        403,
        "forbidden",
        "Until operator accounts are set up, the console API answers only on the server machine itself.",
      ),
    );
    return;
  }
  next();
};
