import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrate';
import { ReadReplicas } from '../read-replicas/read-replicas';
import { WriteMarksInterceptor } from '../read-replicas/write-marks.interceptor';

export interface DatabaseTarget {
  url: string;
  /** PGlite behind pglite-socket: a single connection, one process. */
  embedded: boolean;
}

@Module({})
export class DatabaseModule {
  static forRoot(target: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      // ReadReplicas is for the services whose reads may go to a replica (history, search, chat list).
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(target.url, target.embedded ? 1 : 20),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            await runMigrations(dataSource, target.embedded);
            return dataSource;
          },
        }),
      ],
      providers: [ReadReplicas, { provide: APP_INTERCEPTOR, useClass: WriteMarksInterceptor }],
      exports: [ReadReplicas],
    };
  }
}
