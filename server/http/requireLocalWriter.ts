import type { RequestHandler } from "express";
import { AppError } from "../errors";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Authorization seam until accounts exist: state-changing requests are accepted only from
 * this machine, so a server reachable by street kiosks is never writable from the network.
 * Accounts and roles replace this with real sessions.
 */
export const requireLocalWriter: RequestHandler = (req, _res, next) => {
  const address = req.socket.remoteAddress ?? "";
  if (!LOOPBACK.test(address)) {
    next(
      new AppError(
        403,
        "forbidden",
        "Until operator accounts are set up, content can only be changed from the server machine itself.",
      ),
    );
    return;
  }
  next();
};
