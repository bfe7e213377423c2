import { type SimulatedSumo, startSimulatedSumo } from '../../../../test/support/simulated-sumo.js';
import { type HttpServerOptions, type RunningHttpServer, startHttpServer } from '../../src/http.js';
import { createSumoOpsMcp, type SumoOpsMcpOptions } from '../../src/runtime.js';

export interface McpOverHttp {
  sumo: SimulatedSumo;
  http: RunningHttpServer;
}

/**
 * A simulated org of `collectors` served by the MCP server over Streamable HTTP on a free loopback
 * port. `mcp` narrows what the server offers; `http` overrides how it listens.
 */
export async function startMcpOverHttp(options: {
  collectors: number;
  mcp?: Partial<SumoOpsMcpOptions>;
  http?: Partial<Omit<HttpServerOptions, 'createServer' | 'logger'>>;
}): Promise<McpOverHttp> {
  const sumo = await startSimulatedSumo({ org: { collectors: options.collectors } });
  const mcp = createSumoOpsMcp({ client: sumo.client, logger: sumo.logger, ...options.mcp });
  try {
    const http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      ...options.http,
      createServer: mcp.createServer,
      logger: sumo.logger,
    });
    return { sumo, http };
  } catch (error) {
    // The caller never gets the simulator to close when the server refuses to start.
    await sumo.close();
    throw error;
  }
}
